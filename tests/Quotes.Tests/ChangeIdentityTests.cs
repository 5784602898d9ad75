using System.IO.Hashing;
using System.Text;
using Pricing.Contracts.Events;
using Quotes.History;

namespace Quotes.Tests;

/// <summary><see cref="ChangeIdentity"/> hashes exactly the identity text, however long or wherever its characters come from.</summary>
public sealed class ChangeIdentityTests
{
    private static AcceleratorPriceChanged Change(string provider, long version, string offerKey) =>
        new(provider, version, offerKey, ChangeKind.Changed, "r", "a", "m", 1m, 2m, "USD", null, DateTimeOffset.UnixEpoch);

    public static TheoryData<string, long, string> Identities => new()
    {
        { "aws", 7, "aws|us-east-1||p5.48xlarge|on_demand" },
        { "azure", long.MaxValue, "azure|eastus|1|Standard_ND96isr_H100_v5|spot" },
        { "gcp", 0, "" },
        { "gcp", -3, "gcp|europe-west4|europe-west4-a|a3-highgpu-8g|dws_flex_start" },
        { "aws", 12, "aws|região|é|ü|spot" },
        { "aws", 12, new string('k', 700) },
    };

    [Theory]
    [MemberData(nameof(Identities))]
    public void The_hash_is_that_of_the_identity_text(string provider, long version, string offerKey)
    {
        var change = Change(provider, version, offerKey);

        Assert.Equal(XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(PriceChangeJson.IdentityOf(change))), ChangeIdentity.Of(change));
    }

    [Fact]
    public void Changes_differing_in_any_part_of_their_identity_differ()
    {
        var keys = new[]
        {
            ChangeIdentity.Of(Change("aws", 7, "k")), ChangeIdentity.Of(Change("aws", 8, "k")),
            ChangeIdentity.Of(Change("gcp", 7, "k")), ChangeIdentity.Of(Change("aws", 7, "k2")),
        };

        Assert.Equal(keys.Length, keys.Distinct().Count());
    }
}
