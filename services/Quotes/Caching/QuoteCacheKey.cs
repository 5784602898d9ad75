using System.Reflection;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pricing.Contracts.V1;

namespace Quotes.Caching;

/// <summary>
/// A cached quote's key: the contract (a hash of the quote messages' descriptors and of the builds that produce the
/// answer), the view, the request's normalized spec and the catalog versions used. Any change to quotes.proto or
/// common.proto that reaches the wire (a field, a type, a number) changes the contract hash, so a new Quotes never
/// reads a quote cached in Redis without the field; so does any rebuild of the engine, the catalog model, the mapping
/// or the contracts, so during a rolling deploy the new build never serves bytes the old one computed (and back).
/// </summary>
public static class QuoteCacheKey
{
    /// <summary>The descriptors a cached quote's bytes depend on (comments are not in them, so editing one keeps the cache).</summary>
    public static IReadOnlyList<FileDescriptor> ContractFiles { get; } = [QuotesReflection.Descriptor, CommonReflection.Descriptor];

    /// <summary>
    /// The assemblies whose code computes a cached answer: Quotes (the proto mapping and views), Pricing.Quoting (the
    /// engine), Pricing.Catalog (offers, terms, the accelerator data) and Pricing.Contracts (the generated messages).
    /// </summary>
    public static IReadOnlyList<Assembly> AnswerAssemblies { get; } =
    [
        typeof(QuoteCacheKey).Assembly,
        typeof(Pricing.Quoting.QuoteEngine).Assembly,
        typeof(Pricing.Catalog.Offer).Assembly,
        typeof(QuotesReflection).Assembly,
    ];

    /// <summary>
    /// 16 hex digits of SHA-256 over the serialized FileDescriptorProtos of <see cref="ContractFiles"/> and the module
    /// version ids (a new one per compilation) of <see cref="AnswerAssemblies"/>.
    /// </summary>
    public static string Contract { get; } = ContractHash(ContractFiles.Select(f => f.SerializedData), AnswerAssemblies.Select(a => a.ManifestModule.ModuleVersionId));

    /// <summary>The contract hash of <paramref name="serializedFiles"/> (descriptors) and <paramref name="builds"/> (module version ids).</summary>
    public static string ContractHash(IEnumerable<ByteString> serializedFiles, IEnumerable<Guid> builds)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in serializedFiles)
        {
            // Length-prefixed, so two files' bytes can never run together into the same stream.
            sha.AppendData(BitConverter.GetBytes(file.Length));
            sha.AppendData(file.Span);
        }

        foreach (var build in builds)
        {
            sha.AppendData(build.ToByteArray());
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>The key of a quote in <paramref name="view"/> for <paramref name="specKey"/> over <paramref name="catalogVersions"/>.</summary>
    public static string For(QuoteView view, string specKey, string catalogVersions) =>
        $"quote:{Contract}:{ViewName(view)}:{specKey}:{catalogVersions}";

    private static string ViewName(QuoteView view) => view == QuoteView.Full ? "full" : "basic";
}
