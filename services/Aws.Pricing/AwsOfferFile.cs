namespace Aws.Pricing;

/// <summary>The attributes of an offer-file product that the pipeline reads (names as in <c>products.{sku}.attributes</c>).</summary>
public sealed record AwsProduct(
    string Sku,
    string? ProductFamily,
    string InstanceType,
    string? RegionCode,
    string? Location,
    string? OperatingSystem,
    string? Tenancy,
    string? PreInstalledSw,
    string? CapacityStatus,
    string? LicenseModel,
    string? MarketOption,
    string? Gpu);

public enum AwsTermType
{
    OnDemand = 1,
    Reserved = 2,
}

/// <summary>
/// One <c>priceDimensions</c> entry. <see cref="PriceUsd"/> is the text the file prints (e.g. "21.9576420000"),
/// parsed later so a bad figure is quarantined with what was actually there.
/// </summary>
public sealed record AwsPriceDimension(string RateCode, string? Unit, string? PriceUsd, string? Description);

/// <summary>
/// One term of a kept product (<c>terms.OnDemand.{sku}.{sku}.{offerTermCode}</c> or the Reserved equivalent),
/// with its <c>termAttributes</c>. <see cref="Problem"/> says why its shape is not the API's, when it is not.
/// </summary>
public sealed record AwsTerm(
    AwsTermType Type,
    string Sku,
    string OfferTermCode,
    string? EffectiveDate,
    IReadOnlyList<AwsPriceDimension> PriceDimensions,
    string? LeaseContractLength,
    string? OfferingClass,
    string? PurchaseOption,
    string? Problem);

/// <summary>A product the parser could not read as the API's shape: never priced, always reported.</summary>
public sealed record AwsMalformedRow(string Sku, string Reason);

/// <summary>
/// What <see cref="AwsOfferFileParser"/> keeps of one region's EC2 offer file: the products that pass the
/// <see cref="AwsProductFilter"/> and their OnDemand and Reserved terms. Everything else is only counted.
/// </summary>
public sealed record AwsOfferFile(
    string? OfferCode,
    string? Version,
    string? PublicationDate,
    IReadOnlyList<AwsProduct> Products,
    IReadOnlyList<AwsTerm> Terms,
    IReadOnlyList<AwsMalformedRow> Malformed,
    IReadOnlyDictionary<string, int> SkippedProducts,
    AwsOfferFileStatistics Statistics);

/// <summary>How much was read, and the largest buffer it took (the parser's memory does not grow with the file).</summary>
public sealed record AwsOfferFileStatistics(long Bytes, long Products, long TermSkus, int PeakBufferBytes);
