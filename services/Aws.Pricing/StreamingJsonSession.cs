using System.Text.Json;

namespace Aws.Pricing;

/// <summary>
/// The parse state of one large JSON file read in small units (a root property, one product, one rate) over one
/// rolling buffer, shared by <see cref="AwsOfferFileParser"/> and <see cref="AwsSavingsPlanFileParser"/>. A unit's
/// <see cref="Step"/> changes nothing until the unit is complete; when the buffer ends inside it, the step returns
/// false and is replayed from the reader state saved before it, once <see cref="ReadAsync"/> has refilled the buffer.
/// </summary>
internal abstract class StreamingJsonSession(string fileName)
{
    private JsonReaderState _state;

    /// <summary>What error messages call the file, e.g. "The EC2 offer file".</summary>
    protected string FileName => fileName;

    /// <summary>True once the root object is closed.</summary>
    public abstract bool Done { get; }

    /// <summary>One unit. Returns false, having changed nothing, when the data ends inside it.</summary>
    protected abstract bool Step(ref Utf8JsonReader reader);

    /// <summary>Runs whole steps over <paramref name="data"/>; returns how many bytes they consumed.</summary>
    public int Process(ReadOnlySpan<byte> data, bool isFinalBlock)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock, _state);
        var consumed = 0;
        while (!Done)
        {
            if (!Step(ref reader))
            {
                if (isFinalBlock)
                {
                    throw new InvalidDataException($"{fileName} ends before its JSON is complete.");
                }

                break;
            }

            consumed = (int)reader.BytesConsumed;
            _state = reader.CurrentState;
        }

        return consumed;
    }

    /// <summary>
    /// Feeds the whole stream through <paramref name="session"/> with a buffer of <paramref name="bufferSize"/> that
    /// grows only when a single unit is larger than it. A body that is not complete JSON, or has anything but white space
    /// after its root object, throws <see cref="InvalidDataException"/>: a partial file must never become a catalog.
    /// Returns the bytes read and the buffer's final size.
    /// </summary>
    public static async Task<(long Bytes, int BufferSize)> ReadAsync(Stream stream, StreamingJsonSession session, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 16);
        var buffer = new byte[bufferSize];
        int start = 0, end = 0;
        long bytes = 0;
        var eof = false;
        try
        {
            while (true)
            {
                while (!eof && end < buffer.Length)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                    eof = read == 0;
                    end += read;
                    bytes += read;
                }

                start += session.Process(buffer.AsSpan(start, end - start), eof);
                if (session.Done)
                {
                    break;
                }

                if (eof)
                {
                    // With the final block, the reader throws on incomplete JSON; this is the belt to those braces.
                    throw new InvalidDataException($"{session.FileName} ends before its JSON is complete.");
                }

                if (start == 0 && end == buffer.Length)
                {
                    // One unit is larger than the whole buffer: the only case where the buffer grows.
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                else
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                }
            }

            // Only white space may follow the root object.
            while (true)
            {
                if (buffer.AsSpan(start, end - start).IndexOfAnyExcept(" \t\r\n"u8) >= 0)
                {
                    throw new InvalidDataException($"{session.FileName} has data after its root object.");
                }

                if (eof)
                {
                    break;
                }

                start = 0;
                end = await stream.ReadAsync(buffer, cancellationToken);
                bytes += end;
                eof = end == 0;
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{session.FileName} is not complete JSON: {ex.Message}", ex);
        }

        return (bytes, buffer.Length);
    }
}
