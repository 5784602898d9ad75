using Pricing.Catalog;
using Pricing.Contracts;
using Pricing.Contracts.V1;
using Pricing.Quoting;
using Quotes.Grpc;
using static Quotes.Tests.RequestRuleChecks;

namespace Quotes.Tests;

/// <summary>The program's request fields: tokens per stage, annotation items and licensing reach the spec (and its cache key), and bad ones are BadRequest violations on them.</summary>
public sealed class ProgramRequestRulesTests
{
    [Fact]
    public void Program_fields_set_sensibly_are_valid_and_reach_the_spec()
    {
        var input = Valid(r =>
        {
            r.StageTokens["long_context"] = 8e11;
            r.StageTokens["rl"] = 0;
            r.AnnotationItems = 0;
            r.Licensing = 2_000_000m.ToMoney();
        });

        Assert.Empty(Check(input));
        var spec = ToSpec(input);
        Assert.Equal(8e11, spec.StageTokens["long_context"]);
        Assert.Equal(0, spec.StageTokens["rl"]);
        Assert.Equal(0, spec.AnnotationItems);
        Assert.Equal(2_000_000m, spec.LicensingUsd);
    }

    [Fact]
    public void Unset_program_fields_leave_the_defaults_to_the_engine()
    {
        var spec = ToSpec(Valid());

        Assert.Empty(spec.StageTokens);
        Assert.Null(spec.AnnotationItems);
        Assert.Null(spec.LicensingUsd);
    }

    [Fact]
    public void Program_fields_are_part_of_the_cache_key()
    {
        var plain = ToSpec(Valid()).Normalized();

        Assert.NotEqual(plain, ToSpec(Valid(r => r.StageTokens["rl"] = 0)).Normalized());
        Assert.NotEqual(plain, ToSpec(Valid(r => r.AnnotationItems = 0)).Normalized());
        Assert.NotEqual(plain, ToSpec(Valid(r => r.Licensing = 1m.ToMoney())).Normalized());
    }

    [Fact]
    public void An_unknown_stage_is_a_violation_on_stage_tokens_that_names_the_stages()
    {
        var violations = Check(Valid(r => r.StageTokens["pre_training"] = 1e12));

        OnlyOn("stage_tokens", violations);
        Assert.Contains("long_context", violations[0].Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(1e17)]
    public void Negative_or_absurd_stage_tokens_are_a_violation_on_stage_tokens(double tokens) =>
        OnlyOn("stage_tokens", Check(Valid(r => r.StageTokens["long_context"] = tokens)));

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e11)]
    public void Negative_or_absurd_annotation_items_are_a_violation_on_annotation_items(double items) =>
        OnlyOn("annotation_items", Check(Valid(r => r.AnnotationItems = items)));

    [Fact]
    public void A_negative_licence_is_a_violation_on_licensing() =>
        Assert.Contains(Check(Valid(r => r.Licensing = (-5m).ToMoney())), v => v.Field == "licensing");
}
