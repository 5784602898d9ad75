using System.Globalization;
using Aws.Pricing.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Pricing.Sources;

namespace Aws.Pricing.Notifications;

/// <summary>
/// <c>POST {Aws:Notifications:Path}</c>: the Amazon SNS HTTPS subscriber for AWS Price List change notifications. SNS
/// cannot carry our JWT, so the endpoint is anonymous and the SNS signature is its only authentication: every message is
/// checked (size, type, topic, certificate URL, timestamp, replay, signature) before anything is done with it. Then a
/// subscription confirmation GETs its SubscribeURL (an allowed SNS host), and a notification naming EC2 offer files asks
/// <see cref="ScrapeTrigger"/> to scrape the named regions now (coalesced with the rest of its burst). Answers are fixed
/// texts: nothing of the request is echoed. Rate-limited per caller like every endpoint (the shared global limiter).
/// </summary>
public sealed class AwsNotificationEndpoint(
    IOptions<AwsNotificationOptions> options,
    IOptions<AwsPricingOptions> pricing,
    SnsSigningCertificates certificates,
    SnsReplayGuard replays,
    ScrapeTrigger trigger,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<AwsNotificationEndpoint> logger)
{
    /// <summary>The client for signing certificates and subscription confirmations: no redirects (a redirect could leave the allowed hosts).</summary>
    public const string HttpClientName = "aws-sns";

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        var o = options.Value;
        var request = http.Request;
        if (request.ContentLength > o.MaxBodyBytes)
        {
            return Refuse(StatusCodes.Status413PayloadTooLarge, "The body is larger than an SNS message can be.");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = o.MaxBodyBytes;
        }

        var headerType = request.Headers[SnsMessage.TypeHeader].ToString();
        if (!SnsMessage.IsKnownType(headerType))
        {
            return Refuse(StatusCodes.Status400BadRequest, "The x-amz-sns-message-type header is missing or not an SNS message type.");
        }

        byte[]? body;
        try
        {
            body = await SnsSigningCertificates.ReadBoundedAsync(request.Body, o.MaxBodyBytes, http.RequestAborted);
        }
        catch (BadHttpRequestException)
        {
            body = null;
        }

        if (body is null)
        {
            return Refuse(StatusCodes.Status413PayloadTooLarge, "The body is larger than an SNS message can be.");
        }

        if (SnsMessage.TryParse(body, out var problem) is not { } message)
        {
            return Refuse(StatusCodes.Status400BadRequest, problem!);
        }

        if (message.Type != headerType)
        {
            return Refuse(StatusCodes.Status400BadRequest, "The message type and the x-amz-sns-message-type header differ.");
        }

        if (!o.EffectiveTopicArns.Contains(message.TopicArn, StringComparer.Ordinal))
        {
            return Refuse(StatusCodes.Status403Forbidden, "The topic is not one this service takes notifications from.");
        }

        if (SnsSignature.HashOf(message.SignatureVersion) is null)
        {
            return Refuse(StatusCodes.Status400BadRequest, "SignatureVersion must be 1 or 2.");
        }

        if (!Uri.TryCreate(message.SigningCertUrl, UriKind.Absolute, out var certificateUrl) || !o.IsAllowedSnsUrl(certificateUrl))
        {
            return Refuse(StatusCodes.Status403Forbidden, "SigningCertURL is not https on an allowed SNS host.");
        }

        if (!DateTimeOffset.TryParse(message.Timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var sentAt)
            || (time.GetUtcNow() - sentAt).Duration() > o.TimestampTolerance)
        {
            return Refuse(StatusCodes.Status403Forbidden, "The message timestamp is missing or outside the accepted window.");
        }

        if (replays.Seen(message.MessageId))
        {
            return Refuse(StatusCodes.Status409Conflict, "This message was already received.");
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
        try
        {
            certificate = await certificates.GetAsync(certificateUrl, http.RequestAborted);
        }
        catch (SigningCertificateUnavailableException ex)
        {
            // Ours to retry, not the sender's fault: 503 makes SNS deliver again later.
            logger.LogWarning("SNS signing certificate from {Host} unavailable: {Reason}", certificateUrl.IdnHost, ex.Message);
            return Refuse(StatusCodes.Status503ServiceUnavailable, "The signing certificate could not be fetched; try again later.");
        }

        if (!SnsSignature.IsValid(message, certificate, time.GetUtcNow()))
        {
            logger.LogWarning("SNS message refused: its signature does not verify");
            return Refuse(StatusCodes.Status403Forbidden, "The signature does not verify.");
        }

        // Verified: from here the message's fields are SNS's, not a stranger's.
        if (!replays.TryRemember(message.MessageId))
        {
            return Refuse(StatusCodes.Status409Conflict, "This message was already received.");
        }

        return message.Type switch
        {
            SnsMessage.SubscriptionConfirmation => await ConfirmAsync(message, o, http.RequestAborted),
            SnsMessage.UnsubscribeConfirmation => Unsubscribed(message),
            _ => Notify(message),
        };
    }

    private async Task<IResult> ConfirmAsync(SnsMessage message, AwsNotificationOptions o, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(message.SubscribeUrl, UriKind.Absolute, out var subscribeUrl) || !o.IsAllowedSnsUrl(subscribeUrl))
        {
            return Refuse(StatusCodes.Status403Forbidden, "SubscribeURL is not https on an allowed SNS host.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.FetchTimeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).GetAsync(subscribeUrl, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("Confirming the SNS subscription to {Topic} failed: {Status}", message.TopicArn, (int)response.StatusCode);
                return Refuse(StatusCodes.Status502BadGateway, "Confirming the subscription failed.");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Confirming the SNS subscription to {Topic} failed: {Error}", message.TopicArn, ex.GetType().Name);
            return Refuse(StatusCodes.Status502BadGateway, "Confirming the subscription failed.");
        }

        logger.LogInformation("Confirmed the SNS subscription to {Topic}", message.TopicArn);
        return Results.Text("Subscription confirmed.", statusCode: StatusCodes.Status200OK);
    }

    private IResult Unsubscribed(SnsMessage message)
    {
        logger.LogWarning("SNS says this endpoint was unsubscribed from {Topic}; prices stay fresh by the scheduled scrape only", message.TopicArn);
        return Results.Text("Noted.", statusCode: StatusCodes.Status200OK);
    }

    private IResult Notify(SnsMessage message)
    {
        if (PriceListNotification.TryParse(message.Message) is not { } change)
        {
            logger.LogWarning("Price-list notification {MessageId} from {Topic} names no offer file this service can read; ignored", message.MessageId, message.TopicArn);
            return Results.Text("Ignored: not a price-list change.", statusCode: StatusCodes.Status200OK);
        }

        if (change.OfferCode != PriceListNotification.Ec2OfferCode)
        {
            logger.LogDebug("Price-list notification for {OfferCode}; only {Ec2} is scraped", change.OfferCode, PriceListNotification.Ec2OfferCode);
            return Results.Text("Ignored: not an EC2 offer file.", statusCode: StatusCodes.Status200OK);
        }

        var scraped = pricing.Value.EffectiveRegions;
        if (change.Region is not null && !scraped.Contains(change.Region, StringComparer.Ordinal))
        {
            logger.LogInformation("EC2 offer file of {Region} changed (version {Version}); this service does not scrape {Region}: ignored", change.Region, change.Version, change.Region);
            return Results.Text("Ignored: a region this service does not scrape.", statusCode: StatusCodes.Status200OK);
        }

        // The whole-service form may mean any region changed: a whole scrape (null), not a merge of every region.
        if (!trigger.Request(AwsOfferMapper.Provider, change.Region is null ? null : [change.Region]))
        {
            return Refuse(StatusCodes.Status503ServiceUnavailable, "Too many scrapes are waiting; try again later.");
        }

        logger.LogInformation("EC2 offer file {Scope} changed (version {Version}): scrape requested", change.Region ?? "of every region", change.Version);
        return Results.Text("Scrape requested.", statusCode: StatusCodes.Status202Accepted);
    }

    private IResult Refuse(int status, string reason)
    {
        if (status != StatusCodes.Status409Conflict)
        {
            logger.LogInformation("SNS request refused ({Status}): {Reason}", status, reason);
        }

        return Results.Text(reason, statusCode: status);
    }
}
