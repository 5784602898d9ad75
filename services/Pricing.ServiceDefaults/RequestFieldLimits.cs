using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Pricing.Catalog;

namespace Pricing.ServiceDefaults;

/// <summary>
/// The caps every gRPC request gets before its service sees it: each string at most
/// <see cref="PricingLimitsOptions.MaxStringLength"/> characters, each repeated or map field at most
/// <see cref="PricingLimitsOptions.MaxRepeatedCount"/> entries (nested messages too), and every
/// <c>google.protobuf.Timestamp</c> a real instant. Violations name the field and the size, never the value.
/// Services keep their own, tighter rules on top.
/// </summary>
public static class RequestFieldLimits
{
    // Timestamp's documented range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const int MaxDepth = 16;

    public static List<FieldViolation> Check(IMessage message, PricingLimitsOptions limits)
    {
        var violations = new List<FieldViolation>();
        // A request smaller than both caps cannot break either (a string of n characters takes at least n bytes, a
        // repeated or map entry at least one): only its timestamps are left to check, when the type keeps them at the top
        // and nests no deeper than the cap. Most requests are a few dozen bytes; the walk below is for the rest.
        if (ShapeOf(message.Descriptor).TopLevelTimestamps is { } timestamps
            && message.CalculateSize() <= Math.Min(limits.MaxStringLength, limits.MaxRepeatedCount))
        {
            foreach (var field in timestamps)
            {
                if (field.Accessor.GetValue(message) is Timestamp timestamp)
                {
                    Visit(timestamp, field.Name + ".", limits, violations, 1);
                }
            }

            return violations;
        }

        Visit(message, "", limits, violations, 0);
        return violations;
    }

    /// <summary>
    /// What the checks need of a message type, found once (every gRPC call is checked): the fields that can break a cap
    /// (strings, bytes, messages, repeated and map fields), so the walk skips scalars without reading them (no boxing);
    /// and its singular Timestamp fields when every timestamp it can hold is one of them and it cannot nest deeper than
    /// MaxDepth (no recursion), else null (the small-request check does not apply).
    /// </summary>
    private sealed record Shape(FieldDescriptor[] Checked, FieldDescriptor[]? TopLevelTimestamps);

    private static readonly ConcurrentDictionary<MessageDescriptor, Shape> Shapes = new();

    private static Shape ShapeOf(MessageDescriptor descriptor) =>
        Shapes.GetOrAdd(descriptor, static d => new Shape(
            [.. d.Fields.InFieldNumberOrder().Where(f => f.IsMap || f.IsRepeated || f.FieldType is FieldType.String or FieldType.Bytes or FieldType.Message)],
            TopLevelTimestamps(d)));

    private static FieldDescriptor[]? TopLevelTimestamps(MessageDescriptor d)
    {
        if (d.FullName == Timestamp.Descriptor.FullName)
        {
            return null;
        }

        var top = new List<FieldDescriptor>();
        foreach (var field in d.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.Message))
        {
            if (field.MessageType.FullName == Timestamp.Descriptor.FullName && !field.IsRepeated)
            {
                top.Add(field);
            }
            else if (!WithoutTimestamps(field.MessageType, 2, [d]))
            {
                return null;
            }
        }

        return [.. top];
    }

    private static bool WithoutTimestamps(MessageDescriptor type, int depth, HashSet<MessageDescriptor> path)
    {
        if (type.FullName == Timestamp.Descriptor.FullName || depth > MaxDepth || !path.Add(type))
        {
            return false;
        }

        var without = type.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.Message)
            .All(f => WithoutTimestamps(f.MessageType, depth + 1, path));
        path.Remove(type);
        return without;
    }

    private static void Visit(IMessage message, string prefix, PricingLimitsOptions limits, List<FieldViolation> violations, int depth)
    {
        if (message is Timestamp timestamp)
        {
            if (timestamp.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || timestamp.Nanos is < 0 or > 999_999_999)
            {
                violations.Add(new FieldViolation(prefix.TrimEnd('.'), "Not a valid timestamp: seconds must be within years 1..9999 and nanos within 0..999,999,999."));
            }

            return;
        }

        if (depth > MaxDepth)
        {
            violations.Add(new FieldViolation(prefix.TrimEnd('.'), $"Nested deeper than {MaxDepth} messages."));
            return;
        }

        foreach (var field in ShapeOf(message.Descriptor).Checked)
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (System.Collections.IDictionary)value;
                if (map.Count > limits.MaxRepeatedCount)
                {
                    violations.Add(new FieldViolation(prefix + field.Name, $"{map.Count} entries; at most {limits.MaxRepeatedCount}."));
                    continue;
                }

                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (System.Collections.DictionaryEntry entry in map)
                {
                    CheckString(entry.Key, prefix, field, " key", limits, violations);
                    CheckValue(valueField, entry.Value, prefix, field, "[]", limits, violations, depth);
                }
            }
            else if (field.IsRepeated)
            {
                var list = (System.Collections.IList)value;
                if (list.Count > limits.MaxRepeatedCount)
                {
                    violations.Add(new FieldViolation(prefix + field.Name, $"{list.Count} entries; at most {limits.MaxRepeatedCount}."));
                    continue;
                }

                if (field.FieldType is FieldType.String or FieldType.Bytes or FieldType.Message)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        CheckValue(field, list[i], prefix, field, $"[{i}]", limits, violations, depth);
                    }
                }
            }
            else
            {
                CheckValue(field, value, prefix, field, "", limits, violations, depth);
            }
        }
    }

    /// <summary>One value of <paramref name="field"/> (itself, an element or a map value); its name is prefix + field + suffix.</summary>
    private static void CheckValue(FieldDescriptor valueField, object? value, string prefix, FieldDescriptor field, string suffix, PricingLimitsOptions limits,
        List<FieldViolation> violations, int depth)
    {
        switch (valueField.FieldType)
        {
            case FieldType.String:
                CheckString(value, prefix, field, suffix, limits, violations);
                break;
            case FieldType.Bytes when value is ByteString bytes && bytes.Length > limits.MaxStringLength:
                violations.Add(new FieldViolation(prefix + field.Name + suffix, $"{bytes.Length} bytes; at most {limits.MaxStringLength}."));
                break;
            case FieldType.Message when value is IMessage nested:
                Visit(nested, prefix + field.Name + suffix + ".", limits, violations, depth + 1);
                break;
        }
    }

    private static void CheckString(object? value, string prefix, FieldDescriptor field, string suffix, PricingLimitsOptions limits, List<FieldViolation> violations)
    {
        if (value is string text && text.Length > limits.MaxStringLength)
        {
            violations.Add(new FieldViolation(prefix + field.Name + suffix, $"{text.Length} characters; at most {limits.MaxStringLength}."));
        }
    }
}
