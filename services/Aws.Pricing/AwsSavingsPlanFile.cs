namespace Aws.Pricing;

/// <summary>
/// One plan of a Savings Plans rate file (<c>products[]</c>): the plan type is its <c>productFamily</c>
/// (<c>ComputeSavingsPlans</c> or <c>EC2InstanceSavingsPlans</c>), the payment option and term its attributes
/// (<c>purchaseOption</c>, <c>purchaseTerm</c>), <c>instanceType</c> the family an EC2 Instance plan is for.
/// </summary>
public sealed record AwsSavingsPlanProduct(
    string Sku,
    string? ProductFamily,
    string? UsageType,
    string? PurchaseOption,
    string? PurchaseTerm,
    string? InstanceFamily);

/// <summary>
/// One rate of a plan (<c>terms.savingsPlan[].rates[]</c>): the hourly rate the plan charges for one on-demand
/// usage (<c>discountedUsageType</c> such as <c>USE2-BoxUsage:p5.48xlarge</c>, <c>discountedOperation</c>
/// <c>RunInstances</c> = Linux). <see cref="Price"/> is the text the file prints, parsed by the mapper.
/// </summary>
public sealed record AwsSavingsPlanRate(
    string RateCode,
    string? DiscountedSku,
    string DiscountedUsageType,
    string? DiscountedOperation,
    string? Unit,
    string? Price,
    string? Currency)
{
    /// <summary>The instance type of a <c>BoxUsage:</c> usage type (shared tenancy), or null for any other usage.</summary>
    public string? BoxUsageInstanceType
    {
        get
        {
            const string box = "BoxUsage:";
            var at = DiscountedUsageType.IndexOf(box, StringComparison.Ordinal);
            // "BoxUsage:" is the whole usage type in us-east-1 and follows a region prefix ("USE2-") elsewhere.
            return at < 0 || (at > 0 && DiscountedUsageType[at - 1] != '-') ? null : DiscountedUsageType[(at + box.Length)..];
        }
    }
}

/// <summary>A plan's term (<c>terms.savingsPlan[]</c>) with the rates the parser kept.</summary>
public sealed record AwsSavingsPlanTerm(
    string Sku,
    string? Description,
    string? EffectiveDate,
    string? LeaseDuration,
    string? LeaseUnit,
    IReadOnlyList<AwsSavingsPlanRate> Rates);

/// <summary>
/// What <see cref="AwsSavingsPlanFileParser"/> keeps of one region's Savings Plans rate file: every plan (there are
/// few), and of each plan's rates only those for shared-tenancy Linux usage of an accelerated instance family.
/// </summary>
public sealed record AwsSavingsPlanFile(
    string? Version,
    string? RegionCode,
    IReadOnlyList<AwsSavingsPlanProduct> Products,
    IReadOnlyList<AwsSavingsPlanTerm> Terms,
    IReadOnlyList<AwsMalformedRow> Malformed,
    IReadOnlyDictionary<string, int> SkippedRates,
    long Bytes);
