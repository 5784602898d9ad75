using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pricing.Contracts.V1;
using Quotes.Caching;

namespace Quotes.Tests;

/// <summary>
/// The quote cache key derives from the contract: a field added to quotes.proto (or common.proto) changes the key,
/// so a Quotes with the new field never serves a quote cached without it; so does a rebuild of any assembly that
/// computes the answer (a mapping or engine change across a rolling deploy); the view and the catalog versions are in it.
/// </summary>
public sealed class QuoteCacheKeyTests
{
    [Fact]
    public void Adding_a_field_to_the_quote_messages_changes_the_contract_hash()
    {
        var quotes = FileDescriptorProto.Parser.ParseFrom(QuotesReflection.Descriptor.SerializedData);
        quotes.MessageType.Single(m => m.Name == "QuoteOption").Field.Add(new FieldDescriptorProto
        {
            Name = "grid_upgrade_fee", Number = 999, Type = FieldDescriptorProto.Types.Type.Double, Label = FieldDescriptorProto.Types.Label.Optional,
        });
        var common = FileDescriptorProto.Parser.ParseFrom(CommonReflection.Descriptor.SerializedData);
        common.MessageType.Single(m => m.Name == "Money").Field[0].Number = 99;

        var builds = Builds();
        var today = QuoteCacheKey.ContractHash(QuoteCacheKey.ContractFiles.Select(f => f.SerializedData), builds);

        Assert.Equal(QuoteCacheKey.Contract, today);
        Assert.NotEqual(today, QuoteCacheKey.ContractHash([quotes.ToByteString(), CommonReflection.Descriptor.SerializedData], builds));
        Assert.NotEqual(today, QuoteCacheKey.ContractHash([QuotesReflection.Descriptor.SerializedData, common.ToByteString()], builds));
        Assert.Contains(QuoteCacheKey.ContractFiles, f => f.Name == "pricing/v1/common.proto");
    }

    [Fact]
    public void A_rebuild_of_any_assembly_that_computes_the_answer_changes_the_contract_hash()
    {
        // The mapping (Quotes), the engine (Pricing.Quoting), the catalog model (Pricing.Catalog) and the messages
        // (Pricing.Contracts): a change to any of them, deployed beside the old build, must not read its cached bytes.
        Assert.Equal(
            ["Pricing.Catalog", "Pricing.Contracts", "Pricing.Quoting", "Quotes"],
            QuoteCacheKey.AnswerAssemblies.Select(a => a.GetName().Name).Order(StringComparer.Ordinal));
        var files = QuoteCacheKey.ContractFiles.Select(f => f.SerializedData).ToList();
        var builds = Builds();
        Assert.Equal(QuoteCacheKey.Contract, QuoteCacheKey.ContractHash(files, builds));

        for (var i = 0; i < builds.Count; i++)
        {
            var rebuilt = builds.ToList();
            rebuilt[i] = Guid.NewGuid();
            Assert.NotEqual(QuoteCacheKey.Contract, QuoteCacheKey.ContractHash(files, rebuilt));
        }
    }

    [Fact]
    public void The_key_holds_the_contract_the_view_the_spec_and_the_catalog_versions()
    {
        var basic = QuoteCacheKey.For(QuoteView.Basic, "spec1", "aws:3,azure:5");

        Assert.Equal(basic, QuoteCacheKey.For(QuoteView.Unspecified, "spec1", "aws:3,azure:5"));
        Assert.NotEqual(basic, QuoteCacheKey.For(QuoteView.Full, "spec1", "aws:3,azure:5"));
        Assert.NotEqual(basic, QuoteCacheKey.For(QuoteView.Basic, "spec2", "aws:3,azure:5"));
        Assert.NotEqual(basic, QuoteCacheKey.For(QuoteView.Basic, "spec1", "aws:4,azure:5"));
        Assert.StartsWith("quote:" + QuoteCacheKey.Contract + ":", basic, StringComparison.Ordinal);
        Assert.EndsWith(":aws:3,azure:5", basic, StringComparison.Ordinal);
    }

    /// <summary>The module version ids of the four assemblies, read here (not from the class under test).</summary>
    private static List<Guid> Builds() =>
    [
        typeof(QuoteCacheKey).Assembly.ManifestModule.ModuleVersionId,
        typeof(Pricing.Quoting.QuoteEngine).Assembly.ManifestModule.ModuleVersionId,
        typeof(Pricing.Catalog.Offer).Assembly.ManifestModule.ModuleVersionId,
        typeof(QuotesReflection).Assembly.ManifestModule.ModuleVersionId,
    ];
}
