using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Pricing.Contracts.Events;

namespace Quotes.History;

/// <summary>
/// A change's identity (provider, catalog version, offer key: <see cref="PriceChangeJson.IdentityOf"/>) as a 128-bit
/// XxHash128 of that same text, built without allocating: what a replica keeps to drop a change it already passed on.
/// Two identities sharing a hash would need about 2^64 of them (the feed keeps a million).
/// </summary>
public static class ChangeIdentity
{
    private const int StackLimit = 512;

    public static UInt128 Of(AcceleratorPriceChanged change)
    {
        var max = Encoding.UTF8.GetMaxByteCount(change.Provider.Length + change.OfferKey.Length) + 22;
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(change.Provider, buffer);
            buffer[length++] = (byte)'|';
            change.CatalogVersion.TryFormat(buffer[length..], out var digits, provider: CultureInfo.InvariantCulture);
            length += digits;
            buffer[length++] = (byte)'|';
            length += Encoding.UTF8.GetBytes(change.OfferKey, buffer[length..]);
            return XxHash128.HashToUInt128(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
