namespace Aws.Pricing;

/// <summary>
/// Which offer-file products become prices: Linux, shared tenancy, no pre-installed software, the plain
/// (<c>capacitystatus</c> "Used") row of a Compute Instance of an accelerated family (or of the CPU family the quote's
/// data processing is priced with, c7i: <see cref="AwsInstanceTypeMap.CpuFamilies"/>), sold on demand (not a
/// Capacity Block). The other rows of the same instance type (Windows, RHEL, SQL Server, Dedicated, the
/// Unused/Allocated capacity-reservation rows priced at the on-demand rate or at 0) are skipped with a reason.
/// </summary>
public sealed class AwsProductFilter(AwsInstanceTypeMap map)
{
    public const string NotScrapedFamily = "not an accelerated instance family (nor the CPU family)";
    public const string NotComputeInstance = "product family is not Compute Instance";
    public const string NotOnDemandMarket = "market option is not OnDemand (Capacity Block)";
    public const string CapacityReservationRow = "capacity-reservation row (capacitystatus not Used)";
    public const string NotLinux = "operating system is not Linux";
    public const string NotSharedTenancy = "tenancy is not Shared";
    public const string PreInstalledSoftware = "pre-installed software (SQL Server and the like)";
    public const string LicenseIncludedOrByol = "licence model is not 'No License required'";

    public AwsInstanceTypeMap Map => map;

    /// <summary>The parser's first, cheap test on the instance type's UTF-8 bytes.</summary>
    public bool IsScrapedFamily(ReadOnlySpan<byte> instanceTypeUtf8) => map.IsScrapedFamily(instanceTypeUtf8);

    public bool IsScrapedFamily(ReadOnlySpan<char> instanceType) => map.IsScrapedFamily(instanceType);

    /// <summary>Keep, skip (with the reason it is counted under) or malformed (a row we cannot classify).</summary>
    public AwsProductDecision Classify(AwsProduct product)
    {
        if (product.ProductFamily is null)
        {
            return AwsProductDecision.Malformed("product has no productFamily");
        }

        if (product.ProductFamily != "Compute Instance")
        {
            return AwsProductDecision.Skip(NotComputeInstance);
        }

        if (product.OperatingSystem is null || product.Tenancy is null || product.CapacityStatus is null || product.PreInstalledSw is null)
        {
            return AwsProductDecision.Malformed("Compute Instance product lacks operatingSystem, tenancy, capacitystatus or preInstalledSw");
        }

        // Absent on older files, where every product is an on-demand one.
        if (product.MarketOption is not null && product.MarketOption != "OnDemand")
        {
            return AwsProductDecision.Skip(NotOnDemandMarket);
        }

        if (product.CapacityStatus != "Used")
        {
            return AwsProductDecision.Skip(CapacityReservationRow);
        }

        if (product.OperatingSystem != "Linux")
        {
            return AwsProductDecision.Skip(NotLinux);
        }

        if (product.Tenancy != "Shared")
        {
            return AwsProductDecision.Skip(NotSharedTenancy);
        }

        if (product.PreInstalledSw != "NA")
        {
            return AwsProductDecision.Skip(PreInstalledSoftware);
        }

        if (product.LicenseModel is not null && product.LicenseModel != "No License required")
        {
            return AwsProductDecision.Skip(LicenseIncludedOrByol);
        }

        return AwsProductDecision.Keep;
    }
}

public readonly record struct AwsProductDecision(AwsProductDecisionKind Kind, string? Reason)
{
    public static readonly AwsProductDecision Keep = new(AwsProductDecisionKind.Keep, null);

    public static AwsProductDecision Skip(string reason) => new(AwsProductDecisionKind.Skip, reason);

    public static AwsProductDecision Malformed(string reason) => new(AwsProductDecisionKind.Malformed, reason);
}

public enum AwsProductDecisionKind
{
    Keep = 1,
    Skip = 2,
    Malformed = 3,
}
