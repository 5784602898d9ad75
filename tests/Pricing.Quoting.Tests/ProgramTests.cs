using System.Text.Json;
using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary>
/// The program around the run (docs/quote-model.md §6a): every stage present and priced at the option's rate, every
/// line a range, totals summed from them, tokens per stage from the request, the long-context stage slower per token
/// than pre-training, and rent or own from its parts. Expected figures come from program-defaults.json read here.
/// </summary>
public sealed class ProgramTests
{
    private static QuoteSpec Run => Spec(parameters: 70e9, tokens: 1.4e12, acceleratorCount: 64, mfu: 0.4) with { Goodput = 0.9 };

    private static QuoteOptionResult Quote(QuoteSpec spec, Offer? offer = null) => Assert.Single(Engine().Quote(spec, Prices(offer ?? P5())).Options);

    private static TrainingProgram Program(QuoteSpec spec, Offer? offer = null) => Quote(spec, offer).Program!;

    private static readonly Lazy<JsonElement> File = new(() =>
    {
        using var stream = typeof(QuoteEngine).Assembly.GetManifestResourceStream("Pricing.Quoting.Data.program-defaults.json")!;
        return JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }).RootElement.Clone();
    });

    private static readonly Lazy<JsonElement> OwnerFile = new(() =>
    {
        using var stream = typeof(QuoteEngine).Assembly.GetManifestResourceStream("Pricing.Quoting.Data.owner-servers.json")!;
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    private static JsonElement Stage(string name) => File.Value.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    private static JsonElement Value(string name) => File.Value.GetProperty("values").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    /// <summary>Hours at a rate, rounded to the cent as a bill is.</summary>
    private static decimal At(double hours, decimal rate) => decimal.Round((decimal)hours * rate, 2, MidpointRounding.AwayFromZero);

    private static double Number(JsonElement row, string property = "value") => row.GetProperty(property).GetDouble();

    [Fact]
    public void Every_stage_of_the_data_file_follows_pre_training_in_order()
    {
        var program = Program(Run);

        string[] expected = ["pre_training", .. File.Value.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];
        Assert.Equal(expected, program.Stages.Select(s => s.Name));
        Assert.Contains("long_context", expected);
        Assert.Contains("rl", expected);
        Assert.Equal(["run_storage_and_bring_up", "experiments", "staff", "data_processing", "annotation", "licensing", "energy"], program.Lines.Select(l => l.Name));
    }

    [Fact]
    public void Pre_training_is_the_quoted_run()
    {
        var option = Quote(Run);
        var pre = option.Program!.Stages[0];

        Assert.Equal((option.TotalCost, option.TotalCostLow, option.TotalCostHigh), (pre.Cost, pre.CostLow, pre.CostHigh));
        Assert.Equal(option.AcceleratorHours, pre.AcceleratorHours);
        Assert.Equal(1.4e12, pre.Tokens);
    }

    [Fact]
    public void Every_stage_and_line_is_a_range_holding_its_amount_and_the_totals_sum_them()
    {
        var program = Program(Run);

        Assert.All(program.Stages, s => Assert.True(s.CostLow <= s.Cost && s.Cost <= s.CostHigh, $"{s.Name}: {s.CostLow} <= {s.Cost} <= {s.CostHigh}"));
        Assert.All(program.Lines, l => Assert.True(l.Low <= l.Amount && l.Amount <= l.High, $"{l.Name}: {l.Low} <= {l.Amount} <= {l.High}"));
        Assert.All(program.Lines, l => Assert.NotEmpty(l.Source));
        Assert.All(program.Stages, s => Assert.NotEmpty(s.Source));
        var summed = program.Lines.Where(l => !l.Optional).ToList();
        Assert.Equal(program.Stages.Sum(s => s.Cost) + summed.Sum(l => l.Amount), program.Total);
        Assert.Equal(program.Stages.Sum(s => s.CostLow) + summed.Sum(l => l.Low), program.TotalLow);
        Assert.Equal(program.Stages.Sum(s => s.CostHigh) + summed.Sum(l => l.High), program.TotalHigh);
        Assert.True(program.TotalLow <= program.Total && program.Total <= program.TotalHigh);
    }

    [Fact]
    public void Energy_is_shown_but_not_summed_because_the_rent_includes_it()
    {
        var program = Program(Run);

        var energy = Assert.Single(program.Lines, l => l.Optional);
        Assert.Equal("energy", energy.Name);
        Assert.True(energy.Amount > 0);
    }

    [Fact]
    public void A_compute_stage_is_its_cited_share_of_the_runs_hours_at_the_runs_rate()
    {
        var option = Quote(Run);
        var rl = Assert.Single(option.Program!.Stages, s => s.Name == "rl");

        Close(Number(Stage("rl"), "share") * option.AcceleratorHours, rl.AcceleratorHours);
        Assert.Equal(At(rl.AcceleratorHours, option.PricePerAcceleratorHour), rl.Cost);
    }

    [Fact]
    public void Long_context_runs_below_pre_trainings_MFU_and_costs_more_per_token()
    {
        var program = Program(Run);
        var pre = program.Stages[0];
        var longContext = Assert.Single(program.Stages, s => s.Name == "long_context");

        Assert.True(longContext.Mfu < pre.Mfu);
        Close(pre.Mfu * Number(Stage("long_context"), "mfuFactor"), longContext.Mfu);
        Assert.True(longContext.AcceleratorHours / longContext.Tokens > pre.AcceleratorHours / pre.Tokens);
    }

    [Fact]
    public void Tokens_given_for_a_stage_replace_its_share_and_zero_skips_it()
    {
        var byDefault = Program(Run);
        var given = Program(Run with { StageTokens = new Dictionary<string, double> { ["long_context"] = 4e10, ["annealing"] = 2e10, ["rl"] = 0 } });

        var longContext = Assert.Single(given.Stages, s => s.Name == "long_context");
        Assert.Equal(4e10, longContext.Tokens);
        Assert.Equal(longContext.Cost, longContext.CostLow);
        Assert.Equal(longContext.Cost, longContext.CostHigh);
        var defaultLongContext = byDefault.Stages.Single(s => s.Name == "long_context");
        Close(defaultLongContext.AcceleratorHours * 4e10 / defaultLongContext.Tokens, longContext.AcceleratorHours, 1e-9);
        Assert.Equal(2e10, given.Stages.Single(s => s.Name == "annealing").Tokens);
        var rl = given.Stages.Single(s => s.Name == "rl");
        Assert.Equal((0m, 0m, 0m), (rl.Cost, rl.CostLow, rl.CostHigh));
    }

    [Fact]
    public void Experiments_default_to_the_cited_share_and_follow_the_requests_multiplier()
    {
        var option = Quote(Run);
        var line = option.Program!.Lines.Single(l => l.Name == "experiments");
        Assert.Equal(At(Number(Value("experimentsShareOfFinalRun")) * option.AcceleratorHours, option.PricePerAcceleratorHour), line.Amount);

        var asked = Quote(Run with { ExperimentsMultiplier = 2 });
        var given = asked.Program!.Lines.Single(l => l.Name == "experiments");
        Assert.Equal(At(asked.AcceleratorHours, asked.PricePerAcceleratorHour), given.Amount);
        Assert.Equal((given.Amount, given.Amount), (given.Low, given.High));
    }

    [Fact]
    public void Staff_is_engineers_times_months_times_monthly_cost_and_the_request_fixes_each()
    {
        var byDefault = Program(Run).Lines.Single(l => l.Name == "staff");
        var engineers = ProgramDefaults.Default.Staff.For(6 * 70e9 * 1.4e12);
        Assert.Equal(PlanFormulas.Cents(engineers.Value * Number(Value("staffMonths")) * Number(Value("staffMonthlyCost"))), byDefault.Amount);
        Assert.Equal(PlanFormulas.Cents(engineers.Low * Number(Value("staffMonths"), "low") * Number(Value("staffMonthlyCost"), "low")), byDefault.Low);

        var given = Program(Run with { StaffEngineers = 4, StaffMonths = 3, StaffMonthlyCost = 20_000m }).Lines.Single(l => l.Name == "staff");
        Assert.Equal((240_000m, 240_000m, 240_000m), (given.Amount, given.Low, given.High));
    }

    [Fact]
    public void Annotation_and_licensing_follow_the_request()
    {
        var program = Program(Run with { AnnotationItems = 0, LicensingUsd = 1_000_000m });

        var annotation = program.Lines.Single(l => l.Name == "annotation");
        Assert.Equal((0m, 0m, 0m), (annotation.Amount, annotation.Low, annotation.High));
        Assert.Equal(1_000_000m, program.Lines.Single(l => l.Name == "licensing").Amount);
        var byDefault = Program(Run).Lines.Single(l => l.Name == "annotation");
        Assert.Equal((decimal)(Number(Value("annotationItems")) * Number(Value("annotationUsdPerItem"))), byDefault.Amount);
    }

    [Fact]
    public void Owning_costs_the_server_over_its_life_with_the_interconnect_plus_power()
    {
        var option = Quote(Run);
        var owner = option.Program!.Owner!;
        var server = OwnerFile.Value.GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("acceleratorId").GetString() == H100);

        var share = Number(Value("interconnectShareOfHardware"));
        var hardware = Number(server, "priceUsd") / server.GetProperty("acceleratorsPerServer").GetInt32() / (1 - share) / (Number(Value("serverLifeYears")) * 8760);
        var power = option.Power!.WattsPerAccelerator / 1000 * option.Power.LoadFactor * option.Pue * Number(Value("electricityUsdPerKwh"));
        Assert.Equal(PlanFormulas.Cents(hardware + power), owner.PerAcceleratorHour);
        Assert.Equal(PlanFormulas.Cents(hardware), owner.HardwarePerAcceleratorHour);
        Assert.Equal(option.PricePerAcceleratorHour, owner.RentPerAcceleratorHour);
        Assert.True(owner.Low <= owner.PerAcceleratorHour && owner.PerAcceleratorHour <= owner.High);
    }

    [Fact]
    public void An_accelerator_that_cannot_be_bought_has_no_owners_cost()
    {
        var tpu = Offer(provider: "gcp", region: "us-central2", instanceType: "tpu-v4", acceleratorId: "google-tpu-v4", acceleratorsPerInstance: 4m, price: 12.88m);

        Assert.Contains(ProgramDefaults.Default.NotForSale, n => n.AcceleratorId == "google-tpu-v4");
        Assert.Null(Program(Run, tpu).Owner);
    }

    [Fact]
    public void Every_row_of_the_data_file_has_a_source_and_an_ordered_range()
    {
        foreach (var stage in File.Value.GetProperty("stages").EnumerateArray())
        {
            Assert.NotEmpty(stage.GetProperty("source").GetString()!);
            Assert.True(Number(stage, "low") <= Number(stage, "share") && Number(stage, "share") <= Number(stage, "high"));
        }

        foreach (var row in File.Value.GetProperty("values").EnumerateArray())
        {
            Assert.NotEmpty(row.GetProperty("source").GetString()!);
            Assert.True(Number(row, "low") <= Number(row) && Number(row) <= Number(row, "high"), row.GetProperty("name").GetString());
        }
    }
}
