using System.Text;
using System.Text.Json.Nodes;

namespace Aws.Pricing.Tests;

/// <summary>
/// Builds a Savings Plans rate file in the API's JSON format (AWS Billing guide, "Reading the service price list file
/// for a Savings Plan"; field values shaped like the recorded ap-east-2 sample): products[] with productFamily and
/// attributes, terms.savingsPlan[] with leaseContractLength and rates[] with discountedRate{price, currency}.
/// </summary>
public sealed class SavingsPlanFileBuilder(string regionCode = "us-east-1")
{
    private readonly JsonArray _products = [];
    private readonly JsonArray _plans = [];

    /// <param name="sku">The plan's SKU.</param>
    /// <param name="family">ComputeSavingsPlans or EC2InstanceSavingsPlans.</param>
    /// <param name="years">The term in years.</param>
    /// <param name="purchaseOption">No Upfront, Partial Upfront or All Upfront.</param>
    /// <param name="instanceFamily">The instance family (EC2 Instance Savings Plans only).</param>
    /// <param name="leaseUnit">The term's unit as the file prints it.</param>
    public SavingsPlanFileBuilder Plan(string sku, string family, int years, string purchaseOption, string? instanceFamily = null, string leaseUnit = "year")
    {
        var term = $"{years}yr{purchaseOption.Replace(" ", "", StringComparison.Ordinal)}";
        _products.Add(new JsonObject
        {
            ["sku"] = sku,
            ["productFamily"] = family,
            ["serviceCode"] = "ComputeSavingsPlans",
            ["usageType"] = family == "ComputeSavingsPlans" ? $"ComputeSP:{term}" : $"EC2SP:{instanceFamily}.{term}",
            ["operation"] = "",
            ["attributes"] = new JsonObject
            {
                ["purchaseOption"] = purchaseOption,
                ["granularity"] = "hourly",
                ["instanceType"] = instanceFamily ?? "",
                ["locationType"] = "AWS Region",
                ["location"] = "US East (N. Virginia)",
            },
        });
        _plans.Add(new JsonObject
        {
            ["sku"] = sku,
            ["description"] = $"{years} year {purchaseOption} {family}",
            ["effectiveDate"] = "2026-11-01T00:00:00Z",
            ["leaseContractLength"] = new JsonObject { ["duration"] = years, ["unit"] = leaseUnit },
            ["rates"] = new JsonArray(),
        });
        return this;
    }

    /// <summary>A rate of the plan <paramref name="sku"/> for an EC2 usage type (Linux = operation RunInstances).</summary>
    public SavingsPlanFileBuilder Rate(string sku, string usageType, string price, string operation = "RunInstances",
        string serviceCode = "AmazonEC2", string unit = "Hrs", string discountedSku = "DISCOUNTEDSKU0001")
    {
        Rates(sku).Add(new JsonObject
        {
            ["discountedSku"] = discountedSku,
            ["discountedUsageType"] = usageType,
            ["discountedOperation"] = operation,
            ["discountedServiceCode"] = serviceCode,
            ["rateCode"] = $"{sku}.{discountedSku}",
            ["unit"] = unit,
            ["discountedRate"] = new JsonObject { ["price"] = price, ["currency"] = "USD" },
        });
        return this;
    }

    /// <summary>Any JSON as one rate of the plan (for malformed rows).</summary>
    public SavingsPlanFileBuilder RawRate(string sku, JsonNode? rate)
    {
        Rates(sku).Add(rate);
        return this;
    }

    private JsonArray Rates(string sku) =>
        _plans.Single(p => p!["sku"]!.GetValue<string>() == sku)!["rates"]!.AsArray();

    public JsonObject Build() => new()
    {
        ["version"] = "20261128000000",
        ["publicationDate"] = "2026-11-28T00:00:00Z",
        ["regionCode"] = regionCode,
        ["products"] = _products.DeepClone(),
        ["terms"] = new JsonObject { ["savingsPlan"] = _plans.DeepClone() },
    };

    public string Json() => Build().ToJsonString();

    public byte[] Utf8() => Encoding.UTF8.GetBytes(Json());
}
