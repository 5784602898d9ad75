using System.Text;
using System.Text.Json;

namespace Aws.Pricing;

// The offer file's products: each one read whole, kept by the filter's decision or counted as skipped, malformed or unmapped.
public sealed partial class AwsOfferFileParser
{
    private sealed partial class Session
    {
        private bool ProductStep(ref Utf8JsonReader reader)
        {
            var key = reader;
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                if (!reader.TrySkip())
                {
                    return false;
                }

                _productCount++;
                _malformed.Add(new AwsMalformedRow(key.GetString() ?? "", "product is not a JSON object"));
                return true;
            }

            // Pass 1: find the instance type; most products (other families, storage, transfer) end here.
            var productStart = reader;
            var depth = reader.CurrentDepth;
            var scrapedFamily = false;
            while (true)
            {
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth)
                {
                    break;
                }

                if (!reader.ValueTextEquals("attributes"u8))
                {
                    if (!reader.TrySkip())
                    {
                        return false;
                    }

                    continue;
                }

                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    if (!reader.TrySkip())
                    {
                        return false;
                    }

                    continue;
                }

                var attributesDepth = reader.CurrentDepth;
                while (true)
                {
                    if (!reader.Read())
                    {
                        return false;
                    }

                    if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == attributesDepth)
                    {
                        break;
                    }

                    if (!reader.ValueTextEquals("instanceType"u8))
                    {
                        if (!reader.TrySkip())
                        {
                            return false;
                        }

                        continue;
                    }

                    if (!reader.Read())
                    {
                        return false;
                    }

                    if (reader.TokenType == JsonTokenType.String)
                    {
                        scrapedFamily = reader.ValueIsEscaped
                            ? _filter.IsScrapedFamily(reader.GetString().AsSpan())
                            : _filter.IsScrapedFamily(reader.ValueSpan);
                    }
                    else if (!reader.TrySkip())
                    {
                        return false;
                    }
                }
            }

            // The whole product is in the buffer now: nothing below can run out of data.
            _productCount++;
            if (!scrapedFamily)
            {
                CountSkip(AwsProductFilter.NotScrapedFamily);
                return true;
            }

            // Pass 2, products of a scraped family only: read the attributes the pipeline needs.
            var sku = key.GetString() ?? "";
            var (product, problem) = ReadProduct(ref productStart, sku);
            if (problem is not null || product is null)
            {
                _malformed.Add(new AwsMalformedRow(sku, problem ?? "product has no instanceType"));
                return true;
            }

            var decision = _filter.Classify(product);
            switch (decision.Kind)
            {
                case AwsProductDecisionKind.Keep:
                    if (_kept.TryAdd(sku, product))
                    {
                        _products.Add(product);
                    }
                    else
                    {
                        _malformed.Add(new AwsMalformedRow(sku, "SKU listed twice in products"));
                    }

                    break;
                case AwsProductDecisionKind.Skip:
                    CountSkip(decision.Reason!);
                    break;
                default:
                    _malformed.Add(new AwsMalformedRow(sku, $"{decision.Reason} (instanceType {product.InstanceType})"));
                    break;
            }

            return true;
        }

        private static (AwsProduct? Product, string? Problem) ReadProduct(ref Utf8JsonReader reader, string sku)
        {
            string? family = null, instanceType = null, regionCode = null, location = null, os = null, tenancy = null;
            string? preInstalled = null, capacity = null, licence = null, market = null, gpu = null, problem = null;
            var depth = reader.CurrentDepth;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.ValueTextEquals("productFamily"u8))
                {
                    family = ReadString(ref reader, "productFamily", ref problem);
                }
                else if (reader.ValueTextEquals("attributes"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        problem ??= "attributes is not an object";
                        SkipComplete(ref reader);
                        continue;
                    }

                    var attributesDepth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == attributesDepth))
                    {
                        if (reader.ValueTextEquals("instanceType"u8)) instanceType = ReadString(ref reader, "instanceType", ref problem);
                        else if (reader.ValueTextEquals("regionCode"u8)) regionCode = ReadString(ref reader, "regionCode", ref problem);
                        else if (reader.ValueTextEquals("location"u8)) location = ReadString(ref reader, "location", ref problem);
                        else if (reader.ValueTextEquals("operatingSystem"u8)) os = ReadString(ref reader, "operatingSystem", ref problem);
                        else if (reader.ValueTextEquals("tenancy"u8)) tenancy = ReadString(ref reader, "tenancy", ref problem);
                        else if (reader.ValueTextEquals("preInstalledSw"u8)) preInstalled = ReadString(ref reader, "preInstalledSw", ref problem);
                        else if (reader.ValueTextEquals("capacitystatus"u8)) capacity = ReadString(ref reader, "capacitystatus", ref problem);
                        else if (reader.ValueTextEquals("licenseModel"u8)) licence = ReadString(ref reader, "licenseModel", ref problem);
                        else if (reader.ValueTextEquals("marketoption"u8)) market = ReadString(ref reader, "marketoption", ref problem);
                        else if (reader.ValueTextEquals("gpu"u8)) gpu = ReadString(ref reader, "gpu", ref problem);
                        else SkipComplete(ref reader);
                    }
                }
                else
                {
                    SkipComplete(ref reader);
                }
            }

            if (problem is not null || instanceType is null)
            {
                return (null, problem);
            }

            return (new AwsProduct(sku, family, instanceType, regionCode, location, os, tenancy, preInstalled, capacity, licence, market, gpu), null);
        }
    }
}
