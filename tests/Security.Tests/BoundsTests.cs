using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Pricing.Catalog;
using Pricing.Contracts.Events;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;

namespace Security.Tests;

/// <summary>The pure bounds: the routing-pattern matcher's work, the size of a validation error, the generic field caps.</summary>
public sealed class BoundsTests
{
    private const string RoutingKey = "aws.us-east-1.nvidia-h100-80gb.spot";

    [Fact]
    public void The_60_hash_pattern_of_the_issue_is_refused_and_its_matching_would_be_a_handful_of_steps()
    {
        var pattern = string.Join('.', Enumerable.Repeat("#", 60));
        Assert.False(TopicPattern.IsValid(pattern));
        // Consecutive '#' collapse to one: the backtracking matcher explored ~C(64,4) paths here, this one a few dozen steps.
        Assert.True(TopicPattern.Matches(pattern, RoutingKey, out var steps));
        Assert.InRange(steps, 1, 2 * (4 + 1) * (1 + 1));
    }

    [Fact]
    public void An_adversarial_pattern_costs_at_most_words_times_pattern_steps()
    {
        // Non-collapsible '#'s separated by words that almost match: exponential for a backtracking matcher.
        var pattern = string.Join('.', Enumerable.Range(0, 8).Select(_ => "#.a")) ; // 16 words, the cap
        Assert.True(TopicPattern.IsValid(pattern));
        var key = string.Join('.', Enumerable.Repeat("a", 999).Append("b"));
        Assert.False(TopicPattern.Matches(pattern, key, out var steps));
        Assert.InRange(steps, 1, 2L * (1000 + 1) * (16 + 1));
    }

    [Theory]
    [InlineData(16, true)]
    [InlineData(17, false)]
    public void Patterns_have_at_most_16_words(int words, bool valid) =>
        Assert.Equal(valid, TopicPattern.IsValid(string.Join('.', Enumerable.Repeat("*", words))));

    [Fact]
    public void Patterns_have_at_most_256_characters()
    {
        Assert.True(TopicPattern.IsValid(new string('a', 256)));
        Assert.False(TopicPattern.IsValid(new string('a', 257)));
    }

    [Fact]
    public void The_linear_matcher_agrees_with_a_backtracking_reference_on_random_patterns()
    {
        var random = new Random(12);
        string[] vocabulary = ["a", "b", "*", "#"];
        for (var i = 0; i < 20_000; i++)
        {
            var pattern = string.Join('.', Enumerable.Range(0, random.Next(1, 7)).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
            var key = string.Join('.', Enumerable.Range(0, random.Next(1, 7)).Select(_ => vocabulary[random.Next(2)]));
            Assert.True(Reference(pattern.Split('.'), 0, key.Split('.'), 0) == TopicPattern.Matches(pattern, key), $"{pattern} vs {key}");
        }
    }

    [Fact]
    public void Twenty_thousand_violations_make_an_error_of_a_few_kilobytes()
    {
        var known = string.Join(", ", Enumerable.Range(0, 300).Select(i => $"accelerator-{i}"));
        var violations = Enumerable.Range(0, 20_000)
            .Select(i => new FieldViolation($"accelerator_ids[{i}]", $"Unknown accelerator 'x{i}'; known: {known}."))
            .ToList();
        var ex = GrpcValidation.InvalidArgument(violations);
        var status = ex.GetRpcStatus()!;
        var badRequest = status.GetDetail<BadRequest>()!;
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(GrpcValidation.MaxViolations + 1, badRequest.FieldViolations.Count);
        Assert.Equal("and 19980 more problems not listed.", badRequest.FieldViolations[^1].Description);
        Assert.All(badRequest.FieldViolations, v => Assert.True(v.Description.Length <= GrpcValidation.MaxDescriptionLength));
        Assert.True(status.Message.Length <= GrpcValidation.MaxMessageLength);
        Assert.InRange(status.CalculateSize(), 1, 16 * 1024);
    }

    [Fact]
    public void The_quote_rules_on_20000_unknown_ids_give_a_bounded_error()
    {
        // The rules (Pricing.Quoting) decide the violations; the bound is GrpcValidation's, whatever they produce.
        var request = new QuoteTrainingRunRequest
        {
            Parameters = 7e9,
            Tokens = 1e12,
            AcceleratorIds = { Enumerable.Range(0, 20_000).Select(i => $"no-such-accelerator-{i}") },
        };
        var violations = Quotes.Grpc.QuoteRequestMapping.Read(request, AcceleratorRegistry.Default).Violations;
        Assert.NotEmpty(violations);
        var status = GrpcValidation.InvalidArgument(violations).GetRpcStatus()!;
        Assert.InRange(status.CalculateSize(), 1, 16 * 1024);
    }

    [Fact]
    public void Truncation_never_splits_a_surrogate_pair()
    {
        var text = new string('a', 9) + "😀" + "tail";
        var cut = GrpcValidation.Truncate(text, 11);
        Assert.Equal(new string('a', 9) + "…", cut);
        Assert.Equal("short", GrpcValidation.Truncate("short", 11));
    }

    [Fact]
    public void Field_caps_name_the_field_and_size_never_the_value()
    {
        var limits = new PricingLimitsOptions { MaxStringLength = 10, MaxRepeatedCount = 3 };
        var request = new WatchPriceChangesRequest
        {
            Filter = new PriceChangeFilter { RoutingPattern = "secret-" + new string('x', 50) },
            ResumeAfter = { ["aws"] = 1, ["gcp"] = 2, ["azure"] = 3, ["more"] = 4 },
        };
        var violations = RequestFieldLimits.Check(request, limits);
        Assert.Contains(violations, v => v.Field == "filter.routing_pattern" && v.Description == "57 characters; at most 10.");
        Assert.Contains(violations, v => v.Field == "resume_after" && v.Description == "4 entries; at most 3.");
        Assert.DoesNotContain(violations, v => v.Description.Contains("secret", StringComparison.Ordinal));

        var keys = new WatchPriceChangesRequest { ResumeAfter = { [new string('k', 11)] = 1 } };
        Assert.Contains(RequestFieldLimits.Check(keys, limits), v => v.Field == "resume_after key");
        Assert.Empty(RequestFieldLimits.Check(new ListOffersRequest { Provider = "aws", Regions = { "a", "b", "c" } }, limits));
    }

    [Theory]
    [InlineData(long.MaxValue, 0)]
    [InlineData(-62_135_596_801, 0)]
    [InlineData(0, -1)]
    [InlineData(0, 1_000_000_000)]
    public void Timestamps_outside_the_protobuf_range_are_violations(long seconds, int nanos)
    {
        var request = new GetPriceHistoryRequest { AcceleratorId = "x", From = new Timestamp { Seconds = seconds, Nanos = nanos } };
        Assert.Contains(RequestFieldLimits.Check(request, new PricingLimitsOptions()), v => v.Field == "from");
    }

    [Theory]
    [InlineData("30S", 30_000)]
    [InlineData("1500m", 1_500)]
    [InlineData("2M", 120_000)]
    [InlineData("1H", 3_600_000)]
    [InlineData("5000000u", 5_000)]
    public void Grpc_timeouts_parse(string header, long milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), UnaryDeadlines.TimeoutOf(header));

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10x")]
    [InlineData("-1S")]
    public void Malformed_grpc_timeouts_are_none(string header) => Assert.Null(UnaryDeadlines.TimeoutOf(header));

    [Theory]
    [InlineData("9999999999999H")]
    [InlineData("9223372036854775807M")]
    [InlineData("9223372036854775807S")]
    [InlineData("9223372036854775807m")]
    public void A_timeout_longer_than_TimeSpan_holds_is_longer_than_any_maximum_not_a_crash(string header) =>
        Assert.Equal(TimeSpan.MaxValue, UnaryDeadlines.TimeoutOf(header));

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://127.1.2.3:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://10.0.0.5:5000", false)]
    [InlineData("http://pricing.internal:5000", false)]
    public void Only_loopback_addresses_may_serve_without_auth(string address, bool loopback) =>
        Assert.Equal(loopback, OpenAccessGuard.IsLoopback(address));

    /// <summary>The old backtracking matcher, as the reference of the semantics (small inputs only).</summary>
    private static bool Reference(string[] pattern, int p, string[] words, int w)
    {
        if (p == pattern.Length)
        {
            return w == words.Length;
        }

        if (pattern[p] == "#")
        {
            for (var skip = w; skip <= words.Length; skip++)
            {
                if (Reference(pattern, p + 1, words, skip))
                {
                    return true;
                }
            }

            return false;
        }

        return w < words.Length && (pattern[p] == "*" || pattern[p] == words[w]) && Reference(pattern, p + 1, words, w + 1);
    }
}
