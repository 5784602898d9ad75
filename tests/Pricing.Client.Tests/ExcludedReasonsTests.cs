using Pricing.Contracts.V1;

namespace Pricing.Client.Tests;

/// <summary>Why offers were excluded, grouped once for the CLI and the Dashboard.</summary>
public sealed class ExcludedReasonsTests
{
    private static ExcludedOption Excluded(string accelerator, string reason) => new() { AcceleratorId = accelerator, Reason = reason };

    [Fact]
    public void The_answers_groups_are_taken_as_they_are()
    {
        var quote = new TrainingQuote
        {
            ExcludedGroups =
            {
                new ExcludedGroup { Reason = "too little memory", Count = 40, Examples = { Excluded("nvidia-l4", "too little memory") } },
                new ExcludedGroup { Reason = "no fabric", Count = 3, Examples = { Excluded("nvidia-a10g", "no fabric") } },
            },
            Excluded = { Excluded("nvidia-t4", "something else") },
        };

        Assert.Equal([new ExcludedReason("too little memory", 40, "nvidia-l4"), new ExcludedReason("no fabric", 3, "nvidia-a10g")], ExcludedReasons.Of(quote));
    }

    [Fact]
    public void Without_groups_the_offers_are_grouped_by_reason_most_first()
    {
        var quote = new TrainingQuote
        {
            Excluded = { Excluded("nvidia-a10g", "no fabric"), Excluded("nvidia-l4", "too little memory"), Excluded("nvidia-t4", "too little memory") },
        };

        Assert.Equal([new ExcludedReason("too little memory", 2, "nvidia-l4"), new ExcludedReason("no fabric", 1, "nvidia-a10g")], ExcludedReasons.Of(quote));
    }
}
