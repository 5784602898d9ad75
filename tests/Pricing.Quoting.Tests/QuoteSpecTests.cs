using static Pricing.Quoting.Tests.TestData;

namespace Pricing.Quoting.Tests;

/// <summary><see cref="QuoteSpec.Normalized"/> keys the quote cache: equal questions equal keys, different questions different keys.</summary>
public sealed class QuoteSpecTests
{
    private static readonly QuoteSpec Base = Spec(
        parameters: 70e9, activeParameters: 0, tokens: 1.4e12, precision: Precision.Bf16,
        acceleratorIds: ["nvidia-h100-80gb", "nvidia-a100-80gb"], acceleratorCount: 1024, mfu: null,
        clouds: ["azure", "aws"], regions: ["eastus", "westus3"], pricingModels: ["on_demand", "spot"], maxOptions: 10);

    [Fact]
    public void The_order_of_list_fields_does_not_matter()
    {
        var reordered = Base with
        {
            AcceleratorIds = ["nvidia-a100-80gb", "nvidia-h100-80gb"],
            Clouds = ["aws", "azure"],
            Regions = ["westus3", "eastus"],
            PricingModels = ["spot", "on_demand"],
        };

        Assert.Equal(Base.Normalized(), reordered.Normalized());
    }

    [Fact]
    public void Equal_specs_built_separately_normalize_equally() =>
        Assert.Equal(Base.Normalized(), (Base with { AcceleratorIds = [.. Base.AcceleratorIds] }).Normalized());

    [Fact]
    public void Any_field_change_changes_it()
    {
        (string Field, QuoteSpec Spec)[] variants =
        [
            ("Parameters", Base with { Parameters = 70e9 + 1 }),
            ("ActiveParameters", Base with { ActiveParameters = 7e9 }),
            ("Tokens", Base with { Tokens = 1.5e12 }),
            ("Precision", Base with { Precision = Precision.Fp8 }),
            ("AcceleratorIds", Base with { AcceleratorIds = ["nvidia-h100-80gb"] }),
            ("AcceleratorIds empty", Base with { AcceleratorIds = [] }),
            ("AcceleratorCount", Base with { AcceleratorCount = 1025 }),
            ("Mfu", Base with { Mfu = 0.4 }),
            ("Mfu other", Base with { Mfu = 0.45 }),
            ("Clouds", Base with { Clouds = ["azure"] }),
            ("Regions", Base with { Regions = ["eastus"] }),
            ("PricingModels", Base with { PricingModels = ["on_demand"] }),
            ("MaxOptions", Base with { MaxOptions = 11 }),
            ("Layers", Base with { Layers = 80 }),
            ("DModel", Base with { DModel = 8192 }),
            ("SequenceLength", Base with { SequenceLength = 4096 }),
            ("Chinchilla", Base with { Chinchilla = true }),
            ("DeadlineHours", Base with { DeadlineHours = 720 }),
            ("Goodput", Base with { Goodput = 0.9 }),
            ("CustomPrice", Base with { CustomPricePerAcceleratorHour = 2.5m }),
            ("DiscountPercent", Base with { DiscountPercent = new Dictionary<string, double> { ["aws"] = 10 } }),
            ("DiscountPercent other", Base with { DiscountPercent = new Dictionary<string, double> { ["aws"] = 11 } }),
            ("ActivationAllowance", Base with { ActivationAllowance = 0.2 }),
            ("EnergyUtilisation", Base with { EnergyUtilisation = 0.8 }),
            ("GlobalBatchTokens", Base with { GlobalBatchTokens = 8e6 }),
            ("OptimizerSetup", Base with { OptimizerSetup = "zero" }),
            ("ReuseCommittedCapacity", Base with { ReuseCommittedCapacity = true }),
            ("CheckpointCopies", Base with { CheckpointCopies = 5 }),
            ("DatasetBytes", Base with { DatasetBytes = 6e12 }),
            ("DatasetCloud", Base with { DatasetCloud = "gcp" }),
            ("ExperimentsMultiplier", Base with { ExperimentsMultiplier = 1.5 }),
            ("StaffEngineers", Base with { StaffEngineers = 4 }),
            ("StaffMonths", Base with { StaffMonths = 6 }),
            ("StaffMonthlyCost", Base with { StaffMonthlyCost = 30_000m }),
        ];

        var keys = variants.Select(v => (v.Field, Key: v.Spec.Normalized())).Prepend((Field: "Base", Key: Base.Normalized())).ToList();
        foreach (var group in keys.GroupBy(k => k.Key).Where(g => g.Count() > 1))
        {
            Assert.Fail($"Specs differing in {string.Join(" and ", group.Select(g => g.Field))} normalize to the same text: {group.Key}");
        }
    }

    /// <summary>The key is built from the spec's properties, so a field added to the spec is keyed without anyone listing it.</summary>
    [Fact]
    public void Every_settable_property_changes_it()
    {
        var properties = typeof(QuoteSpec).GetProperties().Where(p => p.SetMethod is not null).ToList();
        Assert.True(properties.Count >= 31, $"only {properties.Count} settable properties found");
        foreach (var property in properties)
        {
            var changed = Base with { };
            property.SetValue(changed, Changed(property.PropertyType, property.GetValue(Base)));
            Assert.True(Base.Normalized() != changed.Normalized(), $"Changing {property.Name} left the key as it was.");
        }
    }

    /// <summary>A value of the type other than <paramref name="current"/>.</summary>
    private static object Changed(Type type, object? current) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(double) => (double?)current is { } d ? d * 2 + 1 : 0.5,
        var t when t == typeof(decimal) => (decimal?)current is { } m ? m * 2 + 1 : 1.5m,
        var t when t == typeof(int) => (int)current! + 1,
        var t when t == typeof(bool) => !(bool)current!,
        var t when t == typeof(string) => (string)current! + "x",
        var t when t == typeof(DateTimeOffset) => (DateTimeOffset?)current is { } at ? at.AddTicks(1) : new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero),
        var t when t == typeof(Precision) => (Precision)current! == Precision.Bf16 ? Precision.Fp8 : Precision.Bf16,
        var t when t == typeof(IReadOnlyList<string>) => (IReadOnlyList<string>)[.. (IReadOnlyList<string>)current!, "x"],
        var t when t == typeof(IReadOnlyDictionary<string, double>) => new Dictionary<string, double> { ["x"] = 1 },
        var t => throw new NotSupportedException($"No changed value for {t.Name}: add one here."),
    };

    [Fact]
    public void A_value_moved_between_list_fields_changes_it()
    {
        var a = Base with { Clouds = ["azure"], Regions = ["eastus"] };
        var b = Base with { Clouds = [], Regions = ["azure", "eastus"] };

        Assert.NotEqual(a.Normalized(), b.Normalized());
    }

    [Fact]
    public void A_list_item_containing_the_separator_does_not_collide_with_two_items()
    {
        var one = Base with { Regions = ["eastus,westus3"] };
        var two = Base with { Regions = ["eastus", "westus3"] };

        Assert.NotEqual(one.Normalized(), two.Normalized());
    }
}
