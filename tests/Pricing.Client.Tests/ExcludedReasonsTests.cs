using Pricing.Contracts.V1;

namespace Pricing.Client.Tests;

/// <summary>Why offers were excluded, grouped once for the CLI and the Dashboard.</summary>
public sealed class ExcludedReasonsTests
{
    private static ExcludedOption Excluded(string offerKey, string reason) => new() { OfferKey = offerKey, Reason = reason };

    [Fact]
    public void The_answers_groups_are_taken_as_they_are()
    {
        var quote = new TrainingQuote
        {
            ExcludedGroups =
            {
                new ExcludedGroup { Reason = "too little memory", Count = 40, Examples = { Excluded("aws|us-east-1||g6.xlarge|on_demand", "too little memory") } },
                new ExcludedGroup { Reason = "no fabric", Count = 3, Examples = { Excluded("aws|us-east-1||g5.xlarge|on_demand", "no fabric") } },
            },
            Excluded = { Excluded("aws|us-east-1||g4dn.xlarge|on_demand", "something else") },
        };

        Assert.Equal([new ExcludedReason("too little memory", 40, "aws|us-east-1||g6.xlarge|on_demand"), new ExcludedReason("no fabric", 3, "aws|us-east-1||g5.xlarge|on_demand")], ExcludedReasons.Of(quote));
    }

    [Fact]
    public void A_cause_shows_its_examples_own_reason_when_the_answer_has_it()
    {
        var quote = new TrainingQuote
        {
            ExcludedGroups =
            {
                new ExcludedGroup { Kind = "fabric", Reason = "needs a training-grade fabric", Count = 72, Examples = { Excluded("gcp|asia-east1||g2-standard-12|on_demand", "75 × g2-standard-12 would need a fabric") } },
                new ExcludedGroup { Kind = "memory", Reason = "does not fit", Count = 2, Examples = { new ExcludedOption { OfferKey = "aws|us-east-1||g6.xlarge|on_demand" } } },
            },
        };

        Assert.Equal(
            [new ExcludedReason("needs a training-grade fabric", 72, "gcp|asia-east1||g2-standard-12|on_demand", "75 × g2-standard-12 would need a fabric"),
                new ExcludedReason("does not fit", 2, "aws|us-east-1||g6.xlarge|on_demand")],
            ExcludedReasons.Of(quote));
    }

    [Fact]
    public void Without_groups_the_offers_are_grouped_by_reason_most_first()
    {
        var quote = new TrainingQuote
        {
            Excluded = { Excluded("aws|us-east-1||g5.xlarge|on_demand", "no fabric"), Excluded("aws|us-east-1||g6.xlarge|on_demand", "too little memory"), Excluded("aws|us-east-1||g4dn.xlarge|on_demand", "too little memory") },
        };

        Assert.Equal([new ExcludedReason("too little memory", 2, "aws|us-east-1||g6.xlarge|on_demand"), new ExcludedReason("no fabric", 1, "aws|us-east-1||g5.xlarge|on_demand")], ExcludedReasons.Of(quote));
    }
}
