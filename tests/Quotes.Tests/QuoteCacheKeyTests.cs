using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pricing.Contracts.V1;
using Quotes.Caching;

namespace Quotes.Tests;

/// <summary>
/// The quote cache key derives from the contract: a field added to quotes.proto (or common.proto) changes the key,
/// so a Quotes with the new field never serves a quote cached without it; the view and the catalog versions are in it.
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

        var today = QuoteCacheKey.ContractHash(QuoteCacheKey.ContractFiles.Select(f => f.SerializedData));

        Assert.Equal(QuoteCacheKey.Contract, today);
        Assert.NotEqual(today, QuoteCacheKey.ContractHash([quotes.ToByteString(), CommonReflection.Descriptor.SerializedData]));
        Assert.NotEqual(today, QuoteCacheKey.ContractHash([QuotesReflection.Descriptor.SerializedData, common.ToByteString()]));
        Assert.Contains(QuoteCacheKey.ContractFiles, f => f.Name == "pricing/v1/common.proto");
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
}
