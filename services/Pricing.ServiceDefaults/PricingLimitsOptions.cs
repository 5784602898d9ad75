namespace Pricing.ServiceDefaults;

/// <summary>
/// How much one caller may ask of a service (section <c>Limits</c>). Every default is in docs/security.md; each
/// bounds memory or CPU a single request or caller can take, so no input can stall a service.
/// </summary>
public sealed class PricingLimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Largest gRPC request message (bytes). A quote request is a few hundred bytes; 1 MiB leaves room for long lists that then fail validation with InvalidArgument.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest gRPC response message (bytes). Clients' own default receive limit is 4 MiB; a full provider listing is under 2 MiB.</summary>
    public int MaxSendMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest HTTP request body (bytes), for JSON transcoding and the admin endpoints.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest string field in any gRPC request (characters). Ids, offer keys and patterns are far shorter.</summary>
    public int MaxStringLength { get; set; } = 1024;

    /// <summary>Most entries of a repeated or map field in any gRPC request.</summary>
    public int MaxRepeatedCount { get; set; } = 1000;

    /// <summary>Server-streaming calls (watches, snapshot streams) one caller may hold open at once.</summary>
    public int MaxStreamsPerCaller { get; set; } = 16;

    /// <summary>Server-streaming calls the process holds open at once, over all callers.</summary>
    public int MaxStreamsTotal { get; set; } = 1000;

    /// <summary>
    /// Server-streaming calls without a token (only the anonymous health <c>Watch</c> can be one when auth is on), in
    /// their own pool apart from <see cref="MaxStreamsTotal"/>.
    /// </summary>
    public int MaxAnonymousStreamsTotal { get; set; } = 32;

    /// <summary>Requests one caller may burst (token bucket size).</summary>
    public int RequestBurstPerCaller { get; set; } = 2000;

    /// <summary>Requests per second one caller may sustain (token bucket refill).</summary>
    public int RequestsPerSecondPerCaller { get; set; } = 500;

    /// <summary>Admin requests (<c>/admin/*</c>, e.g. a scrape) one caller may make per minute.</summary>
    public int AdminRequestsPerMinutePerCaller { get; set; } = 10;

    /// <summary>Longest a unary call may run on the server, whatever deadline the client sent (or none).</summary>
    public TimeSpan MaxUnaryCallDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle time on an HTTP/2 connection before the server pings it, so half-open connections (and their streams) are found.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a ping may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Concurrent HTTP/2 streams (calls) per connection.</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;
}
