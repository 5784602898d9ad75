using System.Collections;
using Google.Protobuf.Reflection;
using Pricing.Contracts.V1;

namespace Pricing.Client.Tests;

/// <summary>
/// The one list of training-run fields the CLI's flags and the Dashboard's form are made from: it covers every field
/// of the request, so neither front end can leave one out.
/// </summary>
public sealed class TrainingRunFieldsTests
{
    /// <summary>
    /// Request fields that are not part of the training run but of what to show: how many options (<c>--top</c>, the
    /// form's "Options shown") and how much of each (<c>--view</c>; the form asks for the full view it shows).
    /// </summary>
    private static readonly HashSet<string> NotTrainingRunFields = ["max_options", "view"];

    private static string Sample(TrainingRunField field) => field.Kind switch
    {
        TrainingRunFieldKind.Switch => "true",
        _ when field.Example.Length > 0 => field.Example,
        _ when field.Choices.Count > 0 => field.Choices[^1],
        _ => field.Name switch
        {
            "accelerator" => "nvidia-h100-80gb,nvidia-h200-141gb",
            "pricing" => "on_demand,spot",
            _ => throw new InvalidOperationException($"No sample for {field.Name}: give it an example or choices."),
        },
    };

    [Fact]
    public void Every_field_of_the_request_is_set_by_some_training_run_field()
    {
        var request = new QuoteTrainingRunRequest();
        var now = DateTimeOffset.UtcNow;
        foreach (var field in TrainingRunFields.All)
        {
            field.Apply(request, Sample(field), now);
        }

        var unset = QuoteTrainingRunRequest.Descriptor.Fields.InDeclarationOrder()
            .Where(f => !NotTrainingRunFields.Contains(f.Name) && !IsSet(f, request))
            .Select(f => f.Name)
            .ToList();
        Assert.True(unset.Count == 0, $"No TrainingRunFields entry sets {string.Join(", ", unset)}: add one, and the CLI and the Dashboard both get it.");
    }

    [Fact]
    public void Names_are_unique_lower_case_words_joined_by_dashes()
    {
        Assert.Equal(TrainingRunFields.All.Count, TrainingRunFields.All.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(TrainingRunFields.All, f => Assert.Matches("^[a-z]+(-[a-z]+)*$", f.Name));
        Assert.All(TrainingRunFields.All, f => Assert.False(string.IsNullOrWhiteSpace(f.Description), f.Name));
        Assert.All(TrainingRunFields.All, f => Assert.Contains(f.Section, TrainingRunFields.Sections));
    }

    [Fact]
    public void Values_are_read_as_the_cli_always_read_them()
    {
        var request = new QuoteTrainingRunRequest();
        var now = DateTimeOffset.UtcNow;
        TrainingRunFields.Get("params").Apply(request, "70B", now);
        TrainingRunFields.Get("tokens").Apply(request, "1.4T", now);
        TrainingRunFields.Get("seq-len").Apply(request, "16k", now);
        TrainingRunFields.Get("accelerators").Apply(request, "1,024", now);
        TrainingRunFields.Get("deadline-days").Apply(request, "30", now);
        TrainingRunFields.Get("clouds").Apply(request, "aws, azure", now);
        TrainingRunFields.Get("clouds").Apply(request, "gcp", now);
        TrainingRunFields.Get("discount").Apply(request, "aws=10, gcp=5.5", now);
        TrainingRunFields.Get("price-per-accelerator-hour").Apply(request, "2.35", now);
        TrainingRunFields.Get("as-of").Apply(request, "7d", now);

        Assert.Equal(70e9, request.Parameters);
        Assert.Equal(1.4e12, request.Tokens);
        Assert.Equal(16_000, request.SequenceLength);
        Assert.Equal(1024, request.AcceleratorCount);
        Assert.Equal(720, request.DeadlineHours);
        Assert.Equal(["aws", "azure", "gcp"], request.Clouds);
        Assert.Equal(10, request.DiscountPercent["aws"]);
        Assert.Equal(5.5, request.DiscountPercent["gcp"]);
        Assert.Equal(2, request.PricePerAcceleratorHour.Units);
        Assert.Equal(350_000_000, request.PricePerAcceleratorHour.Nanos);
        Assert.Equal(now.AddDays(-7).ToUnixTimeSeconds(), request.AsOf.Seconds);
        Assert.Null(TrainingRunFields.Missing(request));
    }

    [Theory]
    [InlineData("params", "seventy-billion")]
    [InlineData("tokens", "1,4e12")]
    [InlineData("layers", "1.5")]
    [InlineData("accelerators", "1e10")]
    [InlineData("discount", "aws")]
    [InlineData("discount", "=10")]
    [InlineData("as-of", "last tuesday")]
    [InlineData("precision", "b f16")]
    public void A_bad_value_is_an_ArgumentException_that_echoes_it_briefly(string name, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => TrainingRunFields.Get(name).Check(value, DateTimeOffset.UtcNow));

        Assert.Contains(value.Length > 2 ? value[..2] : value, ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 200);
    }

    [Fact]
    public void Parameters_and_tokens_or_chinchilla_are_required()
    {
        Assert.NotNull(TrainingRunFields.Missing(new QuoteTrainingRunRequest { Parameters = 70e9 }));
        Assert.NotNull(TrainingRunFields.Missing(new QuoteTrainingRunRequest { Tokens = 1e12 }));
        Assert.Null(TrainingRunFields.Missing(new QuoteTrainingRunRequest { Parameters = 70e9, Chinchilla = true }));
    }

    private static bool IsSet(FieldDescriptor field, QuoteTrainingRunRequest request) => field.Accessor.GetValue(request) switch
    {
        null => false,
        IDictionary map => map.Count > 0,
        IList list => list.Count > 0,
        string text => text.Length > 0,
        bool flag => flag,
        int n => n != 0,
        long n => n != 0,
        double n => n != 0,
        Enum e => Convert.ToInt32(e, System.Globalization.CultureInfo.InvariantCulture) != 0,
        _ => true,
    };
}
