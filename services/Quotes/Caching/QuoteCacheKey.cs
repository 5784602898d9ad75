using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pricing.Contracts.V1;

namespace Quotes.Caching;

/// <summary>
/// A cached quote's key: the contract (a hash of the quote messages' descriptors), the view, the request's normalized
/// spec and the catalog versions used. Any change to quotes.proto or common.proto that reaches the wire (a field, a
/// type, a number) changes the contract hash, so a new Quotes never reads a quote cached in Redis without the field.
/// </summary>
public static class QuoteCacheKey
{
    /// <summary>The descriptors a cached quote's bytes depend on (comments are not in them, so editing one keeps the cache).</summary>
    public static IReadOnlyList<FileDescriptor> ContractFiles { get; } = [QuotesReflection.Descriptor, CommonReflection.Descriptor];

    /// <summary>16 hex digits of SHA-256 over the serialized FileDescriptorProtos of <see cref="ContractFiles"/>.</summary>
    public static string Contract { get; } = ContractHash(ContractFiles.Select(f => f.SerializedData));

    public static string ContractHash(IEnumerable<ByteString> serializedFiles)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in serializedFiles)
        {
            // Length-prefixed, so two files' bytes can never run together into the same stream.
            sha.AppendData(BitConverter.GetBytes(file.Length));
            sha.AppendData(file.Span);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    public static string For(QuoteView view, string specKey, string catalogVersions) =>
        $"quote:{Contract}:{ViewName(view)}:{specKey}:{catalogVersions}";

    private static string ViewName(QuoteView view) => view == QuoteView.Full ? "full" : "basic";
}
