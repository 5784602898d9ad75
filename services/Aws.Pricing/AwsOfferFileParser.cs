using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Aws.Pricing;

/// <summary>
/// Streams one region's EC2 offer file (<c>{formatVersion, offerCode, version, publicationDate, products{sku:{sku,
/// productFamily, attributes}}, terms{OnDemand{sku{termKey:{...}}}, Reserved{...}}, attributesList}</c>) with a
/// <see cref="Utf8JsonReader"/> over one rolling buffer, so memory does not grow with the file (us-east-1 is
/// ~450 MB). Products come before terms in the file: the products the <see cref="AwsProductFilter"/> keeps
/// (a few thousand) are held by SKU, and the terms of every other SKU are skipped as they stream past.
/// </summary>
/// <remarks>
/// The reader never holds a whole section. It works in steps that each read one small unit (a property of the
/// root, one product, one SKU's terms) and change nothing until the unit is complete. When the buffer ends
/// inside a unit, the step is abandoned, the unread tail is moved to the front of the buffer, more is read,
/// and the step is replayed from its start with the reader state saved before it. The buffer only grows
/// when a single unit is larger than it.
/// A body that is not complete JSON (truncated, cut mid-file) throws <see cref="InvalidDataException"/>: a
/// partial file must never become a catalog. A product or term whose fields have the wrong JSON types is
/// reported (malformed) and the rest of the file still counts.
/// </remarks>
public sealed class AwsOfferFileParser
{
    /// <summary>1 MiB: large enough that a step rarely straddles a refill, small next to the file.</summary>
    public const int DefaultBufferSize = 1 << 20;

    private readonly AwsProductFilter _filter;
    private readonly int _bufferSize;

    public AwsOfferFileParser(AwsProductFilter filter, int bufferSize = DefaultBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 16);
        _filter = filter;
        _bufferSize = bufferSize;
    }

    public async Task<AwsOfferFile> ParseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var session = new Session(_filter);
        var (bytes, bufferSize) = await StreamingJsonSession.ReadAsync(stream, session, _bufferSize, cancellationToken);
        return session.Result(bytes, bufferSize);
    }

    private enum Stage
    {
        Start,
        Root,
        Products,
        Terms,
        TermType,
        Done,
    }

    /// <summary>The parse state carried from one buffer to the next.</summary>
    private sealed class Session : StreamingJsonSession
    {
        private readonly AwsProductFilter _filter;

        private readonly Dictionary<string, AwsProduct> _kept;
        private readonly Dictionary<string, AwsProduct>.AlternateLookup<ReadOnlySpan<char>> _keptBySpan;
        private readonly List<AwsProduct> _products = [];
        private readonly List<AwsTerm> _terms = [];
        private readonly List<AwsTerm> _stepTerms = [];
        private readonly List<AwsMalformedRow> _malformed = [];
        private readonly Dictionary<string, int> _skipped = new(StringComparer.Ordinal);
        private Stage _stage = Stage.Start;
        private AwsTermType? _termType;
        private bool _sawProducts;
        private bool _sawTerms;
        private string? _offerCode;
        private string? _version;
        private string? _publicationDate;
        private long _productCount;
        private long _termSkuCount;

        public Session(AwsProductFilter filter)
            : base("The EC2 offer file")
        {
            _filter = filter;
            _kept = new Dictionary<string, AwsProduct>(StringComparer.Ordinal);
            _keptBySpan = _kept.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public override bool Done => _stage == Stage.Done;

        public AwsOfferFile Result(long bytes, int peakBuffer) =>
            new(_offerCode, _version, _publicationDate, _products, _terms, _malformed, _skipped,
                new AwsOfferFileStatistics(bytes, _productCount, _termSkuCount, peakBuffer));

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
                        throw new InvalidDataException("The EC2 offer file is not a JSON object.");
                    }

                    _stage = Stage.Root;
                    return true;

                case Stage.Root:
                    return RootStep(ref reader);

                case Stage.Products:
                    if (reader.TokenType == JsonTokenType.EndObject)
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

                case Stage.TermType:
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        _stage = Stage.Terms;
                        return true;
                    }

                    return SkuTermsStep(ref reader);

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
                    throw new InvalidDataException($"The EC2 offer file has no {(_sawProducts ? "terms" : "products")} object.");
                }

                _stage = Stage.Done;
                return true;
            }

            if (reader.ValueTextEquals("products"u8) || reader.ValueTextEquals("terms"u8))
            {
                var products = reader.ValueTextEquals("products"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new InvalidDataException($"The EC2 offer file's {(products ? "products" : "terms")} is not an object.");
                }

                _stage = products ? Stage.Products : Stage.Terms;
                return true;
            }

            if (reader.ValueTextEquals("offerCode"u8) || reader.ValueTextEquals("version"u8) || reader.ValueTextEquals("publicationDate"u8))
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    return false;
                }

                var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                if ((reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) && !reader.TrySkip())
                {
                    return false;
                }

                switch (name)
                {
                    case "offerCode": _offerCode = value; break;
                    case "version": _version = value; break;
                    default: _publicationDate = value; break;
                }

                return true;
            }

            // formatVersion, disclaimer, attributesList and anything added later.
            return reader.TrySkip();
        }

        private bool TermTypeStep(ref Utf8JsonReader reader)
        {
            AwsTermType? type = reader.ValueTextEquals("OnDemand"u8) ? AwsTermType.OnDemand
                : reader.ValueTextEquals("Reserved"u8) ? AwsTermType.Reserved
                : null;
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                // Not a term map: skip it whole (it is a scalar or a small array in any file we have seen).
                if (reader.TokenType == JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return false;
                }

                return true;
            }

            // Term types other than OnDemand and Reserved are walked SKU by SKU too, so none is held whole.
            _termType = type;
            _stage = Stage.TermType;
            return true;
        }

        // ---- Products ---------------------------------------------------------------------------------

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

        // ---- Terms ------------------------------------------------------------------------------------

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

        /// <summary>Reads the value of the current property as a string; anything else is recorded as the problem.</summary>
        private static string? ReadString(ref Utf8JsonReader reader, string name, ref string? problem)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            problem ??= $"{name} is {reader.TokenType}, not a string";
            SkipComplete(ref reader);
            return null;
        }

        /// <summary>Skips a value known to be complete in the buffer (Skip() itself refuses any non-final block).</summary>
        private static void SkipComplete(ref Utf8JsonReader reader)
        {
            if (!reader.TrySkip())
            {
                throw new InvalidOperationException("A unit that was read whole is incomplete.");
            }
        }

        private void CountSkip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
    }
}
