using Google.Protobuf.WellKnownTypes;
using Pricing.Catalog;
using Pricing.ServiceDefaults;

namespace Quotes.PastPrices;

/// <summary>The reading of an <c>as_of</c> field, the same for quotes and the offer catalog.</summary>
public static class AsOfRequest
{
    // Timestamp's own range (RFC 3339 years 0001..9999), which ToDateTimeOffset throws outside of.
    private const long MinSeconds = -62_135_596_800L;
    private const long MaxSeconds = 253_402_300_799L;

    /// <summary>Clocks of a client and the server differ by this much without the time counting as the future.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>The timestamp as a time (null when absent); outside 0001..9999 or with bad nanos it is a violation.</summary>
    public static DateTimeOffset? TimeOf(Timestamp? timestamp, string field, List<FieldViolation> violations)
    {
        if (timestamp is null)
        {
            return null;
        }

        if (timestamp.Seconds is < MinSeconds or > MaxSeconds || timestamp.Nanos is < 0 or > 999_999_999)
        {
            violations.Add(new FieldViolation(field, "Not a valid timestamp: seconds must lie within years 0001..9999 and nanos within 0..999999999."));
            return null;
        }

        return timestamp.ToDateTimeOffset();
    }

    /// <summary>A time in the future as a violation: the history holds no prices that have not happened.</summary>
    public static FieldViolation? Future(DateTimeOffset? asOf, DateTimeOffset now, string field = "as_of") =>
        asOf is { } t && t > now + ClockSkew
            ? new FieldViolation(field, $"{t.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is in the future (now {now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}); prices are known up to now.")
            : null;

    /// <summary>InvalidArgument with a BadRequest on <paramref name="field"/> when the time is in the future.</summary>
    public static void CheckNotFuture(DateTimeOffset? asOf, DateTimeOffset now, string field = "as_of")
    {
        if (Future(asOf, now, field) is { } violation)
        {
            throw GrpcValidation.InvalidArgument([violation]);
        }
    }
}
