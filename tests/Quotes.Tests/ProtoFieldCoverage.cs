using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Quotes.Tests;

/// <summary>
/// Which fields of a message type, and of every pricing.v1 message reachable from it, no answer ever set. It reads
/// the answers' wire bytes against a descriptor, so it needs no generated class: a descriptor with a field the code
/// does not know yet (built in a test) reports that field as never set. Proto3 writes a field only when it differs
/// from its default, so "on the wire in some answer" is "set to something in some answer".
/// </summary>
public sealed class ProtoFieldCoverage(MessageDescriptor root)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public void Add(ByteString bytes) => Read(root, new CodedInputStream(bytes.ToByteArray()));

    /// <summary>Full names ("pricing.v1.QuoteOption.block") of the fields never set, over every reachable type.</summary>
    public IReadOnlyList<string> Unset()
    {
        var unset = new List<string>();
        foreach (var type in Reachable(root))
        {
            unset.AddRange(type.Fields.InFieldNumberOrder().Select(f => f.FullName).Where(name => !_seen.Contains(name)));
        }

        return unset;
    }

    /// <summary>The root and every message type of its package reachable through its fields (well-known types are leaves).</summary>
    public static IReadOnlyList<MessageDescriptor> Reachable(MessageDescriptor root)
    {
        var found = new List<MessageDescriptor>();
        var pending = new Queue<MessageDescriptor>([root]);
        while (pending.TryDequeue(out var type))
        {
            if (found.Any(f => f.FullName == type.FullName))
            {
                continue;
            }

            found.Add(type);
            foreach (var field in type.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.Message && InPackage(f.MessageType, root)))
            {
                pending.Enqueue(field.MessageType);
            }
        }

        return found;
    }

    private static bool InPackage(MessageDescriptor type, MessageDescriptor root) => type.File.Package == root.File.Package;

    private void Read(MessageDescriptor type, CodedInputStream input)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = type.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
            if (field is null)
            {
                input.SkipLastField();
                continue;
            }

            _seen.Add(field.FullName);
            if (field.FieldType == FieldType.Message && InPackage(field.MessageType, root))
            {
                Read(field.MessageType, new CodedInputStream(input.ReadBytes().ToByteArray()));
            }
            else
            {
                input.SkipLastField();
            }
        }
    }
}
