namespace Aws.Pricing.Notifications;

/// <summary>
/// Configuration section <c>Aws:Notifications</c>: the endpoint that takes the AWS Price List change notifications
/// (Amazon SNS over HTTPS) and scrapes the regions they name at once. Off unless <see cref="Enabled"/>.
/// </summary>
public sealed class AwsNotificationOptions
{
    public const string Section = "Aws:Notifications";

    /// <summary>Maps the endpoint. Off by default: nothing listens for notifications unless configured.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where SNS posts (the subscription's endpoint URL ends with this path, on the HTTP/1.1 port).</summary>
    public string Path { get; set; } = "/aws/price-list-notifications";

    /// <summary>Topics whose messages are acted on; empty means <see cref="DefaultTopicArns"/>. Any other topic is refused.</summary>
    public List<string> TopicArns { get; set; } = [];

    /// <summary>
    /// Host patterns a <c>SigningCertURL</c> and a <c>SubscribeURL</c> must match (always over https); <c>*</c> stands
    /// for one DNS label. Empty means <see cref="DefaultCertificateHosts"/>.
    /// </summary>
    public List<string> CertificateHosts { get; set; } = [];

    /// <summary>A larger body is refused unread: SNS messages are at most 256 KB, and a price-list notification is well under 1 KB.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>A message whose <c>Timestamp</c> is further than this from now (either way) is refused.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Message ids remembered for replay protection (the oldest go first past this).</summary>
    public int RememberedMessageIds { get; set; } = 10_000;

    /// <summary>Signing certificates cached by URL (the oldest go first past this).</summary>
    public int CachedCertificates { get; set; } = 16;

    /// <summary>How long a cached signing certificate is used before it is fetched again.</summary>
    public TimeSpan CertificateCacheLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A signing certificate larger than this is refused (AWS's are about 2 KB of PEM).</summary>
    public int MaxCertificateBytes { get; set; } = 16 * 1024;

    /// <summary>Time for one fetch of a signing certificate or one subscription confirmation.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> EffectiveTopicArns => TopicArns.Count > 0 ? TopicArns : DefaultTopicArns;

    public IReadOnlyList<string> EffectiveCertificateHosts => CertificateHosts.Count > 0 ? CertificateHosts : DefaultCertificateHosts;

    /// <summary>
    /// The AWS Price List topics for service prices, each price change and the daily aggregate, as AWS Billing's
    /// "Setting up price update notifications" lists them
    /// (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/notifications-price-list-api.html). The Savings Plans
    /// topic (arn:aws:sns:us-east-1:626627529009:SavingsPlanPublishNotifications) is not ours: EC2 offer files only.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultTopicArns =
    [
        "arn:aws:sns:us-east-1:278350005181:price-list-api",
        "arn:aws:sns:us-east-1:278350005181:daily-aggregated-price-list-api",
    ];

    /// <summary>SNS's own endpoints, where it serves its signing certificates and subscription confirmations.</summary>
    public static readonly IReadOnlyList<string> DefaultCertificateHosts = ["sns.*.amazonaws.com", "sns.*.amazonaws.com.cn"];

    /// <summary>True when <paramref name="url"/> is https and its host matches one of <see cref="EffectiveCertificateHosts"/>.</summary>
    public bool IsAllowedSnsUrl(Uri url) =>
        url.IsAbsoluteUri && url.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(url.UserInfo)
        && EffectiveCertificateHosts.Any(pattern => HostMatches(pattern, url.IdnHost));

    /// <summary>Label by label, case-insensitively; <c>*</c> matches one whole label of letters, digits and hyphens.</summary>
    public static bool HostMatches(string pattern, string host)
    {
        var want = pattern.Split('.');
        var have = host.TrimEnd('.').Split('.');
        if (want.Length != have.Length)
        {
            return false;
        }

        for (var i = 0; i < want.Length; i++)
        {
            var label = have[i];
            var ok = want[i] == "*"
                ? label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                : string.Equals(want[i], label, StringComparison.OrdinalIgnoreCase);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
