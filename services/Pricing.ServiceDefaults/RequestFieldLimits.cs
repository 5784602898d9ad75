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
        Visit(message, "", limits, violations, 0);
        return violations;
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

        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var name = prefix + field.Name;
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var map = (System.Collections.IDictionary)value;
                if (map.Count > limits.MaxRepeatedCount)
                {
                    violations.Add(new FieldViolation(name, $"{map.Count} entries; at most {limits.MaxRepeatedCount}."));
                    continue;
                }

                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (System.Collections.DictionaryEntry entry in map)
                {
                    CheckString(entry.Key, $"{name} key", limits, violations);
                    CheckValue(valueField, entry.Value, $"{name}[]", limits, violations, depth);
                }
            }
            else if (field.IsRepeated)
            {
                var list = (System.Collections.IList)value;
                if (list.Count > limits.MaxRepeatedCount)
                {
                    violations.Add(new FieldViolation(name, $"{list.Count} entries; at most {limits.MaxRepeatedCount}."));
                    continue;
                }

                for (var i = 0; i < list.Count; i++)
                {
                    CheckValue(field, list[i], $"{name}[{i}]", limits, violations, depth);
                }
            }
            else
            {
                CheckValue(field, value, name, limits, violations, depth);
            }
        }
    }

    private static void CheckValue(FieldDescriptor field, object? value, string name, PricingLimitsOptions limits, List<FieldViolation> violations, int depth)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                CheckString(value, name, limits, violations);
                break;
            case FieldType.Bytes when value is ByteString bytes && bytes.Length > limits.MaxStringLength:
                violations.Add(new FieldViolation(name, $"{bytes.Length} bytes; at most {limits.MaxStringLength}."));
                break;
            case FieldType.Message when value is IMessage nested:
                Visit(nested, name + ".", limits, violations, depth + 1);
                break;
        }
    }

    private static void CheckString(object? value, string name, PricingLimitsOptions limits, List<FieldViolation> violations)
    {
        if (value is string text && text.Length > limits.MaxStringLength)
        {
            violations.Add(new FieldViolation(name, $"{text.Length} characters; at most {limits.MaxStringLength}."));
        }
    }
}
