using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.Grpc;

namespace Quotes.Tests;

/// <summary>What the rule tests of a request's optional parts share: a valid request to change, its check, its spec.</summary>
internal static class RequestRuleChecks
{
    /// <summary>A valid request, changed by <paramref name="change"/>.</summary>
    public static QuoteTrainingRunRequest Valid(Action<QuoteTrainingRunRequest>? change = null)
    {
        var request = new QuoteTrainingRunRequest { Parameters = 70e9, Tokens = 1.4e12, AcceleratorIds = { "nvidia-h100-80gb" } };
        change?.Invoke(request);
        return request;
    }

    public static List<FieldViolation> Check(QuoteTrainingRunRequest request) => QuoteRequestMapping.Read(request, AcceleratorRegistry.Default).Violations;

    public static QuoteSpec ToSpec(QuoteTrainingRunRequest request) => QuoteRequestMapping.ToSpec(request, AcceleratorRegistry.Default);

    /// <summary>At least one violation, every one on <paramref name="field"/> and saying why.</summary>
    public static void OnlyOn(string field, List<FieldViolation> violations)
    {
        Assert.NotEmpty(violations);
        Assert.All(violations, v =>
        {
            Assert.Equal(field, v.Field);
            Assert.False(string.IsNullOrWhiteSpace(v.Description));
        });
    }
}
