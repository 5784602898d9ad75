using System.Text.Json;

namespace Aws.Pricing;

/// <summary>
/// Streams a Savings Plans rate file (<c>{version, publicationDate, regionCode, products[{sku, productFamily,
/// serviceCode, usageType, operation, attributes}], terms{savingsPlan[{sku, description, effectiveDate,
/// leaseContractLength{duration, unit}, rates[{discountedSku, discountedUsageType, discountedOperation,
/// discountedServiceCode, rateCode, unit, discountedRate{price, currency}}]}]}}</c>, the JSON format of the AWS
/// Billing guide's "Reading the service price list file for a Savings Plan") over one rolling buffer, as
/// <see cref="AwsOfferFileParser"/> does the offer file: one plan holds a rate for every usage type of the region
/// (tens of thousands for a Compute plan), so a rate is the unit read, and only the rates the pipeline prices are
/// kept. A body that is not complete JSON throws; a rate or plan of the wrong shape is reported as malformed.
/// </summary>
public sealed class AwsSavingsPlanFileParser(AwsInstanceTypeMap map, int bufferSize = AwsOfferFileParser.DefaultBufferSize)
{
    public const string NotEc2 = "savings plan rate not for EC2";
    public const string NotSharedLinux = "savings plan rate not for shared-tenancy Linux instance usage";
    public const string NotScrapedFamily = "savings plan rate for an instance family the scrape does not keep (neither accelerated nor the CPU family)";

    public async Task<AwsSavingsPlanFile> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var session = new Session(map);
        var (bytes, _) = await StreamingJsonSession.ReadAsync(stream, session, bufferSize, cancellationToken);
        return session.Result(bytes);
    }

    private enum Stage
    {
        Start,
        Root,
        Products,
        Terms,
        Plans,
        Plan,
        Rates,
        Done,
    }

    private sealed class Session(AwsInstanceTypeMap map) : StreamingJsonSession("The savings plan rate file")
    {
        private readonly List<AwsSavingsPlanProduct> _products = [];
        private readonly List<AwsSavingsPlanTerm> _terms = [];
        private readonly List<AwsMalformedRow> _malformed = [];
        private readonly Dictionary<string, int> _skipped = new(StringComparer.Ordinal);
        private Stage _stage = Stage.Start;
        private bool _sawProducts;
        private bool _sawTerms;
        private string? _version;
        private string? _regionCode;

        // The plan being read: its fields may come before or after its rates.
        private string? _planSku;
        private string? _planDescription;
        private string? _planEffectiveDate;
        private string? _planLeaseDuration;
        private string? _planLeaseUnit;
        private string? _planProblem;
        private List<AwsSavingsPlanRate> _planRates = [];

        public override bool Done => _stage == Stage.Done;

        public AwsSavingsPlanFile Result(long bytes) => new(_version, _regionCode, _products, _terms, _malformed, _skipped, bytes);

        protected override bool Step(ref Utf8JsonReader reader)
        {
            if (!reader.Read())
            {
                return false;
            }

            switch (_stage)
            {
                case Stage.Start:
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new InvalidDataException("The savings plan rate file is not a JSON object.");
                    }

                    _stage = Stage.Root;
                    return true;
                case Stage.Root:
                    return RootStep(ref reader);
                case Stage.Products:
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _sawProducts = true;
                        _stage = Stage.Root;
                        return true;
                    }

                    return ProductStep(ref reader);
                case Stage.Terms:
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        _sawTerms = true;
                        _stage = Stage.Root;
                        return true;
                    }

                    return TermTypeStep(ref reader);
                case Stage.Plans:
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _stage = Stage.Terms;
                        return true;
                    }

                    return PlanStartStep(ref reader);
                case Stage.Plan:
                    return PlanFieldStep(ref reader);
                case Stage.Rates:
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _stage = Stage.Plan;
                        return true;
                    }

                    return RateStep(ref reader);
                default:
                    throw new InvalidOperationException($"No step in stage {_stage}.");
            }
        }

        private bool RootStep(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (!_sawProducts || !_sawTerms)
                {
                    throw new InvalidDataException($"The savings plan rate file has no {(_sawProducts ? "terms" : "products")}.");
                }

                _stage = Stage.Done;
                return true;
            }

            var products = reader.ValueTextEquals("products"u8);
            if (products || reader.ValueTextEquals("terms"u8))
            {
                if (!reader.Read())
                {
                    return false;
                }

                var expected = products ? JsonTokenType.StartArray : JsonTokenType.StartObject;
                if (reader.TokenType != expected)
                {
                    throw new InvalidDataException($"The savings plan rate file's {(products ? "products is not an array" : "terms is not an object")}.");
                }

                _stage = products ? Stage.Products : Stage.Terms;
                return true;
            }

            if (reader.ValueTextEquals("version"u8) || reader.ValueTextEquals("regionCode"u8))
            {
                var version = reader.ValueTextEquals("version"u8);
                if (!reader.Read())
                {
                    return false;
                }

                var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                if ((reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) && !reader.TrySkip())
                {
                    return false;
                }

                if (version)
                {
                    _version = value;
                }
                else
                {
                    _regionCode = value;
                }

                return true;
            }

            return reader.TrySkip();
        }

        private bool ProductStep(ref Utf8JsonReader reader)
        {
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                return false;
            }

            using (document)
            {
                var product = document.RootElement;
                if (product.ValueKind != JsonValueKind.Object || JsonFields.Text(product, "sku") is not { Length: > 0 } sku)
                {
                    _malformed.Add(new AwsMalformedRow("", "savings plan product is not an object with a sku"));
                    return true;
                }

                var attributes = product.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
                _products.Add(new AwsSavingsPlanProduct(sku, JsonFields.Text(product, "productFamily"), JsonFields.Text(product, "usageType"),
                    JsonFields.Text(attributes, "purchaseOption"), JsonFields.Text(attributes, "purchaseTerm"), JsonFields.Text(attributes, "instanceType")));
                return true;
            }
        }

        private bool TermTypeStep(ref Utf8JsonReader reader)
        {
            var savingsPlan = reader.ValueTextEquals("savingsPlan"u8);
            if (!reader.Read())
            {
                return false;
            }

            if (savingsPlan && reader.TokenType == JsonTokenType.StartArray)
            {
                _stage = Stage.Plans;
                return true;
            }

            if (savingsPlan)
            {
                throw new InvalidDataException("The savings plan rate file's terms.savingsPlan is not an array.");
            }

            // Another term type: not a savings plan rate; skipped whole (none is known in these files).
            return reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || reader.TrySkip();
        }

        private bool PlanStartStep(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                if (reader.TokenType == JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return false;
                }

                _malformed.Add(new AwsMalformedRow("", "savings plan term is not a JSON object"));
                return true;
            }

            _planSku = _planDescription = _planEffectiveDate = _planLeaseDuration = _planLeaseUnit = _planProblem = null;
            _planRates = [];
            _stage = Stage.Plan;
            return true;
        }

        private bool PlanFieldStep(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (string.IsNullOrEmpty(_planSku))
                {
                    _malformed.Add(new AwsMalformedRow("", $"savings plan term without a sku ({_planRates.Count} kept rates dropped)"));
                }
                else if (_planProblem is not null)
                {
                    _malformed.Add(new AwsMalformedRow(_planSku, _planProblem));
                }
                else
                {
                    _terms.Add(new AwsSavingsPlanTerm(_planSku, _planDescription, _planEffectiveDate, _planLeaseDuration, _planLeaseUnit, _planRates));
                }

                _stage = Stage.Plans;
                return true;
            }

            if (reader.ValueTextEquals("rates"u8))
            {
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    _stage = Stage.Rates;
                    return true;
                }

                if (reader.TokenType == JsonTokenType.StartObject && !reader.TrySkip())
                {
                    return false;
                }

                _planProblem = "savings plan term's rates is not an array";
                return true;
            }

            var name = reader.GetString();
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                return false;
            }

            using (document)
            {
                var value = document.RootElement;
                switch (name)
                {
                    case "sku": _planSku = value.ValueKind == JsonValueKind.String ? value.GetString() : null; break;
                    case "description": _planDescription = value.ValueKind == JsonValueKind.String ? value.GetString() : null; break;
                    case "effectiveDate": _planEffectiveDate = value.ValueKind == JsonValueKind.String ? value.GetString() : null; break;
                    case "leaseContractLength":
                        if (value.ValueKind != JsonValueKind.Object)
                        {
                            _planProblem = "savings plan term's leaseContractLength is not an object";
                            break;
                        }

                        _planLeaseDuration = value.TryGetProperty("duration", out var d) ? d.ValueKind switch
                        {
                            JsonValueKind.Number or JsonValueKind.String => d.ToString(),
                            _ => null,
                        } : null;
                        _planLeaseUnit = JsonFields.Text(value, "unit");
                        break;
                }
            }

            return true;
        }

        private bool RateStep(ref Utf8JsonReader reader)
        {
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                return false;
            }

            using (document)
            {
                var rate = document.RootElement;
                if (rate.ValueKind != JsonValueKind.Object || JsonFields.Text(rate, "discountedUsageType") is not { } usageType || JsonFields.Text(rate, "rateCode") is not { } rateCode)
                {
                    _planProblem ??= "a savings plan rate is not an object with a rateCode and discountedUsageType";
                    return true;
                }

                if (JsonFields.Text(rate, "discountedServiceCode") != "AmazonEC2")
                {
                    Skip(NotEc2);
                    return true;
                }

                var priced = new AwsSavingsPlanRate(rateCode, JsonFields.Text(rate, "discountedSku"), usageType, JsonFields.Text(rate, "discountedOperation"),
                    JsonFields.Text(rate, "unit"), null, null);
                // Shared tenancy (BoxUsage, not DedicatedUsage/HostUsage/UnusedBox) and Linux (operation RunInstances, no suffix).
                if (priced.BoxUsageInstanceType is not { } instanceType || priced.DiscountedOperation != "RunInstances")
                {
                    Skip(NotSharedLinux);
                    return true;
                }

                if (!map.IsScrapedFamily(instanceType))
                {
                    Skip(NotScrapedFamily);
                    return true;
                }

                string? price = null, currency = null;
                if (rate.TryGetProperty("discountedRate", out var discounted) && discounted.ValueKind == JsonValueKind.Object)
                {
                    price = discounted.TryGetProperty("price", out var p) && p.ValueKind is JsonValueKind.String or JsonValueKind.Number ? p.ToString() : null;
                    currency = JsonFields.Text(discounted, "currency");
                }

                _planRates.Add(priced with { Price = price, Currency = currency });
                return true;
            }
        }

        private void Skip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
    }
}
