namespace Cluster.Tests;

/// <summary>One <see cref="PricingSystem"/> for every test of the suite, which run one at a time (they share its servers and kill them).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<PricingSystem>
{
    public const string Name = "cluster";
}
