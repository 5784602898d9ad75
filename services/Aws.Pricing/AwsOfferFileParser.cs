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
public sealed partial class AwsOfferFileParser
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
    private sealed partial class Session : StreamingJsonSession
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
