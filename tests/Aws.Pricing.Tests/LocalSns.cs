using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Aws.Pricing.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aws.Pricing.Tests;

/// <summary>
/// Signs SNS messages as SNS does: an RSA key and a self-signed certificate made in the test, the string to sign built
/// independently here from the SNS developer guide's field list (so a mistake in <see cref="SnsMessage.StringToSign"/>
/// fails verification), SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2.
/// </summary>
public sealed class LocalSnsSigner : IDisposable
{
    public const string PriceListTopic = "arn:aws:sns:us-east-1:278350005181:price-list-api";

    private readonly RSA _key = RSA.Create(2048);

    public LocalSnsSigner()
    {
        var request = new CertificateRequest("CN=sns.local-test.amazonaws.com", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Certificate { get; }

    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>A Notification as SNS posts it, signed.</summary>
    public Dictionary<string, string?> Notification(string message, Uri signingCertUrl, string signatureVersion = "2", string? subject = null,
        string topic = PriceListTopic, DateTimeOffset? timestamp = null, string? messageId = null) =>
        Sign(new Dictionary<string, string?>
        {
            ["Type"] = SnsMessage.Notification,
            ["MessageId"] = messageId ?? Guid.NewGuid().ToString(),
            ["TopicArn"] = topic,
            ["Subject"] = subject,
            ["Message"] = message,
            ["Timestamp"] = Format(timestamp ?? DateTimeOffset.UtcNow),
            ["SignatureVersion"] = signatureVersion,
            ["SigningCertURL"] = signingCertUrl.ToString(),
            ["UnsubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + topic + ":1",
        });

    /// <summary>A SubscriptionConfirmation as SNS posts it, signed.</summary>
    public Dictionary<string, string?> SubscriptionConfirmation(Uri subscribeUrl, Uri signingCertUrl, string signatureVersion = "2", string topic = PriceListTopic) =>
        Sign(new Dictionary<string, string?>
        {
            ["Type"] = SnsMessage.SubscriptionConfirmation,
            ["MessageId"] = Guid.NewGuid().ToString(),
            ["Token"] = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736",
            ["TopicArn"] = topic,
            ["Message"] = $"You have chosen to subscribe to the topic {topic}.\nTo confirm the subscription, visit the SubscribeURL included in this message.",
            ["SubscribeURL"] = subscribeUrl.ToString(),
            ["Timestamp"] = Format(DateTimeOffset.UtcNow),
            ["SignatureVersion"] = signatureVersion,
            ["SigningCertURL"] = signingCertUrl.ToString(),
        });

    /// <summary>Signs the fields SNS signs for the message's type, in the order the developer guide gives.</summary>
    public Dictionary<string, string?> Sign(Dictionary<string, string?> fields)
    {
        string[] signed = fields["Type"] == SnsMessage.Notification
            ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
            : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
        var text = new StringBuilder();
        foreach (var name in signed)
        {
            if (fields.TryGetValue(name, out var value) && value is not null)
            {
                text.Append(name).Append('\n').Append(value).Append('\n');
            }
        }

        var hash = fields["SignatureVersion"] == "1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        fields["Signature"] = Convert.ToBase64String(_key.SignData(Encoding.UTF8.GetBytes(text.ToString()), hash, RSASignaturePadding.Pkcs1));
        return fields;
    }

    public static string Json(Dictionary<string, string?> fields) =>
        JsonSerializer.Serialize(fields.Where(f => f.Value is not null).ToDictionary(f => f.Key, f => f.Value));

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}

/// <summary>
/// A local stand-in for SNS's own host, over HTTPS (Kestrel, a self-signed TLS certificate the test trusts by thumbprint):
/// it serves the signing certificate at <see cref="CertificatePath"/> and takes subscription confirmations at
/// <see cref="ConfirmPath"/>, recording every request.
/// </summary>
public sealed class LocalSnsServer : IAsyncDisposable
{
    public const string CertificatePath = "/SimpleNotificationService-local.pem";
    public const string ConfirmPath = "/confirm";

    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication? _app;

    private LocalSnsServer(X509Certificate2 tls) => Tls = tls;

    public X509Certificate2 Tls { get; }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<string> Requests => [.. _requests];

    public Uri CertificateUrl => new(BaseUrl, CertificatePath.TrimStart('/'));

    public Uri ConfirmUrl(string token) => new(BaseUrl, $"confirm?Action=ConfirmSubscription&TopicArn={LocalSnsSigner.PriceListTopic}&Token={token}");

    public static async Task<LocalSnsServer> StartAsync(string certificatePem, CancellationToken cancellationToken)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var tls = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        var server = new LocalSnsServer(tls);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(tls)));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            server._requests.Enqueue(context.Request.Path + context.Request.QueryString);
            await next(context);
        });
        app.MapGet(CertificatePath, () => Results.Text(certificatePem, "application/x-pem-file"));
        app.MapGet(ConfirmPath, () => Results.Text("<ConfirmSubscriptionResponse/>", "text/xml"));
        await app.StartAsync(cancellationToken);
        server._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>
    /// Makes a host's SNS client trust this server's TLS certificate (pinned by thumbprint) instead of the system's
    /// authorities, keeping the service's own rules (no redirects). PostConfigure: it wins over the service's handler.
    /// </summary>
    public void TrustFrom(IServiceCollection services)
    {
        var thumbprint = Tls.GetCertHashString();
        services.PostConfigure<Microsoft.Extensions.Http.HttpClientFactoryOptions>(AwsNotificationEndpoint.HttpClientName, o =>
            o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint },
            }));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Tls.Dispose();
    }
}
