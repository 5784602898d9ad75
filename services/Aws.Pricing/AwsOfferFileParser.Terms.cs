using System.Text;
using System.Text.Json;

namespace Aws.Pricing;

// The offer file's terms: one SKU's terms at a time, read only for kept products, with their price dimensions.
public sealed partial class AwsOfferFileParser
{
    private sealed partial class Session
    {
        private bool SkuTermsStep(ref Utf8JsonReader reader)
        {
            if (_termType is null || !IsKept(ref reader, out var product))
            {
                // The common case: a SKU we did not keep. Its whole term map is skipped token by token.
                if (!reader.TrySkip())
                {
                    return false;
                }

                _termSkuCount++;
                return true;
            }

            var key = reader;
            if (!reader.TrySkip())
            {
                return false;
            }

            _termSkuCount++;

            // The SKU's whole term map is in the buffer now: read it from its start.
            _stepTerms.Clear();
            var termReader = key;
            termReader.Read();
            if (termReader.TokenType != JsonTokenType.StartObject)
            {
                _terms.Add(new AwsTerm(_termType.Value, product.Sku, "", null, [], null, null, null, "the SKU's terms are not a JSON object"));
                return true;
            }

            var depth = termReader.CurrentDepth;
            while (termReader.Read() && !(termReader.TokenType == JsonTokenType.EndObject && termReader.CurrentDepth == depth))
            {
                var termKey = termReader.GetString() ?? "";
                termReader.Read();
                _stepTerms.Add(ReadTerm(ref termReader, _termType.Value, product.Sku, termKey));
            }

            _terms.AddRange(_stepTerms);
            return true;
        }

        /// <summary>Looks the SKU (the current property name) up among kept products without making a string.</summary>
        private bool IsKept(ref Utf8JsonReader reader, out AwsProduct product)
        {
            if (_kept.Count == 0)
            {
                product = null!;
                return false;
            }

            if (!reader.ValueIsEscaped && reader.ValueSpan.Length <= 64)
            {
                Span<char> chars = stackalloc char[64];
                var length = Encoding.UTF8.GetChars(reader.ValueSpan, chars);
                return _keptBySpan.TryGetValue(chars[..length], out product!);
            }

            return _kept.TryGetValue(reader.GetString() ?? "", out product!);
        }

        private static AwsTerm ReadTerm(ref Utf8JsonReader reader, AwsTermType type, string sku, string termKey)
        {
            string? problem = null;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                SkipComplete(ref reader);
                return new AwsTerm(type, sku, termKey, null, [], null, null, null, $"term {termKey} is not a JSON object");
            }

            string? offerTermCode = null, effectiveDate = null, lease = null, offeringClass = null, purchase = null;
            var dimensions = new List<AwsPriceDimension>(2);
            var depth = reader.CurrentDepth;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.ValueTextEquals("offerTermCode"u8))
                {
                    offerTermCode = ReadString(ref reader, "offerTermCode", ref problem);
                }
                else if (reader.ValueTextEquals("effectiveDate"u8))
                {
                    effectiveDate = ReadString(ref reader, "effectiveDate", ref problem);
                }
                else if (reader.ValueTextEquals("priceDimensions"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        problem ??= "priceDimensions is not an object";
                        SkipComplete(ref reader);
                        continue;
                    }

                    var dimensionsDepth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == dimensionsDepth))
                    {
                        var rateKey = reader.GetString() ?? "";
                        reader.Read();
                        dimensions.Add(ReadDimension(ref reader, rateKey, ref problem));
                    }
                }
                else if (reader.ValueTextEquals("termAttributes"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        problem ??= "termAttributes is not an object";
                        SkipComplete(ref reader);
                        continue;
                    }

                    var attributesDepth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == attributesDepth))
                    {
                        if (reader.ValueTextEquals("LeaseContractLength"u8)) lease = ReadString(ref reader, "LeaseContractLength", ref problem);
                        else if (reader.ValueTextEquals("OfferingClass"u8)) offeringClass = ReadString(ref reader, "OfferingClass", ref problem);
                        else if (reader.ValueTextEquals("PurchaseOption"u8)) purchase = ReadString(ref reader, "PurchaseOption", ref problem);
                        else SkipComplete(ref reader);
                    }
                }
                else
                {
                    SkipComplete(ref reader);
                }
            }

            // The key is "{sku}.{offerTermCode}"; a term without the field still says which term it is.
            offerTermCode ??= termKey.Contains('.') ? termKey[(termKey.LastIndexOf('.') + 1)..] : termKey;
            return new AwsTerm(type, sku, offerTermCode, effectiveDate, dimensions, lease, offeringClass, purchase, problem);
        }

        private static AwsPriceDimension ReadDimension(ref Utf8JsonReader reader, string rateKey, ref string? problem)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem ??= $"price dimension {rateKey} is not an object";
                SkipComplete(ref reader);
                return new AwsPriceDimension(rateKey, null, null, null);
            }

            string? rateCode = null, unit = null, description = null, usd = null;
            var depth = reader.CurrentDepth;
            while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
            {
                if (reader.ValueTextEquals("rateCode"u8)) rateCode = ReadString(ref reader, "rateCode", ref problem);
                else if (reader.ValueTextEquals("unit"u8)) unit = ReadString(ref reader, "unit", ref problem);
                else if (reader.ValueTextEquals("description"u8)) description = ReadString(ref reader, "description", ref problem);
                else if (reader.ValueTextEquals("pricePerUnit"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        problem ??= "pricePerUnit is not an object";
                        SkipComplete(ref reader);
                        continue;
                    }

                    var priceDepth = reader.CurrentDepth;
                    while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == priceDepth))
                    {
                        if (reader.ValueTextEquals("USD"u8)) usd = ReadString(ref reader, "pricePerUnit.USD", ref problem);
                        else SkipComplete(ref reader);
                    }
                }
                else
                {
                    SkipComplete(ref reader);
                }
            }

            return new AwsPriceDimension(rateCode ?? rateKey, unit, usd, description);
        }
    }
}
