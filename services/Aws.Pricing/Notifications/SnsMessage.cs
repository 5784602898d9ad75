using System.Text;
using System.Text.Json;

namespace Aws.Pricing.Notifications;

/// <summary>
/// One message Amazon SNS posts to an HTTP(S) subscriber: a JSON document whose <c>Type</c> (also sent as the
/// <c>x-amz-sns-message-type</c> header) is <see cref="Notification"/>, <see cref="SubscriptionConfirmation"/> or
/// <see cref="UnsubscribeConfirmation"/>. Field names and the string to sign as in the Amazon SNS developer guide:
/// "Verifying the signatures of Amazon SNS messages" (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html),
/// "HTTP/HTTPS notification JSON format" and "HTTP/HTTPS subscription confirmation JSON format"
/// (https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html).
/// </summary>
public sealed record SnsMessage(
    string Type,
    string MessageId,
    string TopicArn,
    string Message,
    string Timestamp,
    string SignatureVersion,
    string Signature,
    string SigningCertUrl,
    string? Subject,
    string? SubscribeUrl,
    string? Token)
{
    public const string Notification = "Notification";
    public const string SubscriptionConfirmation = "SubscriptionConfirmation";
    public const string UnsubscribeConfirmation = "UnsubscribeConfirmation";

    /// <summary>The header SNS sends the message type in.</summary>
    public const string TypeHeader = "x-amz-sns-message-type";

    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = 8, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static bool IsKnownType(string? type) => type is Notification or SubscriptionConfirmation or UnsubscribeConfirmation;

    /// <summary>
    /// The message in <paramref name="body"/>, or null with the reason (a fixed text, never the input) when it is not
    /// JSON, a required field of its type is missing or not a string, or its type is unknown.
    /// </summary>
    public static SnsMessage? TryParse(ReadOnlyMemory<byte> body, out string? problem)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Strict);
        }
        catch (JsonException)
        {
            problem = "The body is not a JSON document.";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "The body is not a JSON object.";
                return null;
            }

            var root = document.RootElement;
            var type = StringOf(root, "Type");
            if (!IsKnownType(type))
            {
                problem = "Type is missing or not an SNS message type.";
                return null;
            }

            var confirmation = type != Notification;
            string?[] required =
            [
                StringOf(root, "MessageId"), StringOf(root, "TopicArn"), StringOf(root, "Message"), StringOf(root, "Timestamp"),
                StringOf(root, "SignatureVersion"), StringOf(root, "Signature"), StringOf(root, "SigningCertURL"),
            ];
            var subscribeUrl = StringOf(root, "SubscribeURL");
            var token = StringOf(root, "Token");
            if (required.Any(string.IsNullOrEmpty) || (confirmation && (string.IsNullOrEmpty(subscribeUrl) || string.IsNullOrEmpty(token))))
            {
                problem = "A field the message type requires is missing or not a string.";
                return null;
            }

            problem = null;
            return new SnsMessage(type!, required[0]!, required[1]!, required[2]!, required[3]!, required[4]!, required[5]!, required[6]!,
                StringOf(root, "Subject"), subscribeUrl, token);
        }
    }

    /// <summary>
    /// The string SNS signs: name and value of each signed field on their own lines, in byte order of the names, each
    /// followed by a newline. A notification signs Message, MessageId, Subject (only when present), Timestamp, TopicArn,
    /// Type; a subscription or unsubscribe confirmation signs Message, MessageId, SubscribeURL, Timestamp, Token,
    /// TopicArn, Type.
    /// </summary>
    public string StringToSign()
    {
        var text = new StringBuilder(Message.Length + 512);
        void Add(string name, string value) => text.Append(name).Append('\n').Append(value).Append('\n');

        Add("Message", Message);
        Add("MessageId", MessageId);
        if (Type == Notification)
        {
            if (Subject is not null)
            {
                Add("Subject", Subject);
            }

            Add("Timestamp", Timestamp);
            Add("TopicArn", TopicArn);
            Add("Type", Type);
        }
        else
        {
            Add("SubscribeURL", SubscribeUrl!);
            Add("Timestamp", Timestamp);
            Add("Token", Token!);
            Add("TopicArn", TopicArn);
            Add("Type", Type);
        }

        return text.ToString();
    }

    private static string? StringOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
