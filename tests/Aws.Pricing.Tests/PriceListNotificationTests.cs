using System.Globalization;
using System.Net;
using System.Text;
using Aws.Pricing.Extensions;
using Aws.Pricing.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.FakeProviders;
using Pricing.ServiceDefaults;
using Pricing.Sources;

namespace Aws.Pricing.Tests;

/// <summary>
/// The SNS subscriber end to end, in the deployable's own composition (<see cref="AwsPricingExtensions.BuildAwsPricingApp"/>)
/// on loopback: messages signed by <see cref="LocalSnsSigner"/>, its certificate served over HTTPS by
/// <see cref="LocalSnsServer"/> (the one allowed certificate host), prices from the fake Price List API. A valid
/// notification scrapes exactly the region it names, merged into the catalog; every refused message is refused with its
/// status and scrapes nothing (shown by a valid message for another region afterwards: only that region is read).
/// </summary>
public sealed class PriceListNotificationTests : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);
    private static readonly string[] Regions = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-west-2"];
    private static readonly string P4deUsWest2 = OfferKey.Format("aws", "us-west-2", null, "p4de.24xlarge", PricingModels.OnDemand);
    private static readonly string P4dEuWest1 = OfferKey.Format("aws", "eu-west-1", null, "p4d.24xlarge", PricingModels.OnDemand);

    private readonly LocalSnsSigner _signer = new();
    private FakeAwsPriceListApi _fake = null!;
    private LocalSnsServer _sns = null!;
    private WebApplication? _app;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private WebApplication App => _app ?? throw new InvalidOperationException("Call StartAsync first.");

    private ProviderPriceCatalog Catalog => App.Services.GetRequiredService<IEnumerable<ProviderPriceCatalog>>().Single();

    private Uri Endpoint => new(new Uri(App.BoundHttp1Address()), "/aws/price-list-notifications");

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeAwsPriceListApi.FromEmbeddedSnapshot().StartAsync(Ct);
        _sns = await LocalSnsServer.StartAsync(_signer.CertificatePem, Ct);
        _http = new HttpClient();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        await _sns.DisposeAsync();
        await _fake.DisposeAsync();
        _signer.Dispose();
    }

    private async Task StartAsync(bool enabled = true, params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Aws:Source"] = "Http",
            ["Aws:BaseUrl"] = _fake.BaseUrl.ToString(),
            ["Aws:SpotFeedUrl"] = _fake.SpotFeedUrl.ToString(),
            ["Http:aws-price-list:MaxRetries"] = "1",
            ["Messaging:Transport"] = "InMemory",
            ["Scrape:RunOnSchedule"] = "false",
            ["Scrape:FirstVersion"] = "1",
            ["Scrape:TriggerCoalesceWindow"] = Window.ToString("c", CultureInfo.InvariantCulture),
            ["Aws:Notifications:Enabled"] = enabled ? "true" : "false",
            ["Aws:Notifications:CertificateHosts:0"] = "127.0.0.1",
        };
        foreach (var (region, i) in Regions.Select((r, i) => (r, i)))
        {
            settings[$"Aws:Regions:{i}"] = region;
        }

        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.UseFreeLoopbackHttp1Port();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _sns.TrustFrom(builder.Services);
        _app = builder.BuildAwsPricingApp();
        await _app.StartAsync(Ct);
        var first = await Catalog.ScrapeOnceAsync(Ct);
        Assert.Equal(ScrapeResultKind.Published, first.Kind);
    }

    /// <summary>A regional EC2 offer-file notification, in the form AWS documents (offerCode, version, regionCode, url.JSON/CSV).</summary>
    private static string RegionalMessage(string region, string offerCode = "AmazonEC2") =>
        $$$"""{"formatVersion":"v1.0","offerCode":"{{{offerCode}}}","version":"20261206230000","timeStamp":"2026-12-06T23:00:00Z","regionCode":"{{{region}}}","url":{"JSON":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{{{offerCode}}}/20261206230000/{{{region}}}/index.json","CSV":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{{{offerCode}}}/20261206230000/{{{region}}}/index.csv"}}""";

    /// <summary>The whole-service form: the service's offer file, no region.</summary>
    private static string WholeServiceMessage() =>
        """{"formatVersion":"v1.0","offerCode":"AmazonEC2","version":"20261206230000","timeStamp":"2026-12-06T23:00:00Z","url":{"JSON":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261206230000/index.json","CSV":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261206230000/index.csv"}}""";

    private Task<HttpResponseMessage> PostAsync(Dictionary<string, string?> fields, string? typeHeader = null) =>
        PostRawAsync(LocalSnsSigner.Json(fields), typeHeader ?? fields["Type"]!);

    private Task<HttpResponseMessage> PostRawAsync(string body, string typeHeader)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        request.Headers.Add("x-amz-sns-message-type", typeHeader);
        request.Headers.Add("x-amz-sns-topic-arn", LocalSnsSigner.PriceListTopic);
        return _http.SendAsync(request, Ct);
    }

    /// <summary>The regions whose offer files the fake served since <paramref name="fromRequest"/>.</summary>
    private List<string> OfferFilesReadSince(int fromRequest)
    {
        var byPath = Regions.ToDictionary(_fake.OfferFilePath, r => r);
        return [.. _fake.Requests.Skip(fromRequest).Select(r => byPath.GetValueOrDefault(r.Path)).OfType<string>().Order(StringComparer.Ordinal)];
    }

    private async Task WaitForVersionAsync(long version)
    {
        var deadline = DateTime.UtcNow + EventTimeout;
        while (Catalog.Current.Version < version)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Version {version} was not committed within {EventTimeout}.");
            await Task.Delay(25, Ct);
        }
    }

    /// <summary>
    /// Proves the refused message before it scraped nothing: a valid notification for eu-west-1 then yields version 2, and
    /// eu-west-1's is the only offer file read since <paramref name="fromRequest"/> (the refused ones named us-west-2).
    /// </summary>
    private async Task AssertOnlyTheControlScrapesAsync(int fromRequest)
    {
        Assert.Equal(1, Catalog.Current.Version);
        using var control = await PostAsync(_signer.Notification(RegionalMessage("eu-west-1"), _sns.CertificateUrl));
        Assert.Equal(HttpStatusCode.Accepted, control.StatusCode);
        await WaitForVersionAsync(2);
        await Task.Delay(Window * 2, Ct);
        Assert.Equal(2, Catalog.Current.Version);
        Assert.Equal(["eu-west-1"], OfferFilesReadSince(fromRequest));
    }

    [Fact]
    public async Task A_signed_notification_scrapes_exactly_its_region_and_the_other_regions_prices_stay()
    {
        await StartAsync();
        var before = Catalog.Current;
        Assert.Equal(1, _fake.SetOnDemandPrice("us-west-2", "p4de.24xlarge", "31.0000000000"));
        Assert.Equal(1, _fake.SetOnDemandPrice("eu-west-1", "p4d.24xlarge", "45.0000000000"));
        var fromRequest = _fake.RequestCount;

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl, subject: "[Pricing Update] New AmazonEC2 offer file available"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForVersionAsync(2);
        Assert.Equal(["us-west-2"], OfferFilesReadSince(fromRequest));
        Assert.Equal(31m, Catalog.Current.Offers[P4deUsWest2].PricePerInstanceHour);
        // eu-west-1 changed at AWS too but was not named: its offer is version 1's, as is every other region's.
        Assert.Same(before.Offers[P4dEuWest1], Catalog.Current.Offers[P4dEuWest1]);
        Assert.All(before.Offers.Where(o => o.Value.Region != "us-west-2"), o => Assert.Same(o.Value, Catalog.Current.Offers[o.Key]));
        Assert.Equal(before.Offers.Count, Catalog.Current.Offers.Count);
    }

    [Fact]
    public async Task A_version_1_signature_and_the_whole_service_form_scrape_every_configured_region()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;

        using var response = await PostAsync(_signer.Notification(WholeServiceMessage(), _sns.CertificateUrl, signatureVersion: "1"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForVersionAsync(2);
        Assert.Equal(Regions.Order(StringComparer.Ordinal), OfferFilesReadSince(fromRequest));
    }

    [Fact]
    public async Task A_burst_of_notifications_is_one_scrape_of_their_regions_and_the_certificate_is_fetched_once()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;

        foreach (var region in new[] { "us-west-2", "eu-west-1", "us-west-2" })
        {
            using var response = await PostAsync(_signer.Notification(RegionalMessage(region), _sns.CertificateUrl));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await WaitForVersionAsync(2);
        await Task.Delay(Window * 3, Ct);
        Assert.Equal(2, Catalog.Current.Version);
        Assert.Equal(["eu-west-1", "us-west-2"], OfferFilesReadSince(fromRequest));
        Assert.Single(_sns.Requests, r => r == LocalSnsServer.CertificatePath);
    }

    [Fact]
    public async Task A_forged_signature_is_refused_and_the_error_does_not_echo_the_message()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;
        var fields = _signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl);
        fields["Message"] = RegionalMessage("us-west-2").Replace("20261206230000", "20261206239999", StringComparison.Ordinal);

        using var response = await PostAsync(fields);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("20261206239999", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_message_signed_by_another_key_is_refused()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;
        using var stranger = new LocalSnsSigner();

        using var response = await PostAsync(stranger.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_topic_not_allowed_is_refused_before_any_certificate_is_fetched()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl, topic: "arn:aws:sns:us-east-1:123456789012:not-price-list"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_sns.Requests);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_certificate_on_a_host_not_allowed_is_refused_unfetched()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;
        // The same server by another name: "localhost" is not in the allow-list ("127.0.0.1" is).
        var elsewhere = new UriBuilder(_sns.CertificateUrl) { Host = "localhost" }.Uri;

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), elsewhere));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_sns.Requests);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_certificate_over_plain_http_is_refused_unfetched()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;
        var plain = new UriBuilder(_sns.CertificateUrl) { Scheme = "http" }.Uri;

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), plain));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_sns.Requests);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_stale_timestamp_is_refused_though_the_signature_is_good()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl, timestamp: DateTimeOffset.UtcNow.AddHours(-2)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_replayed_message_id_is_refused_and_scrapes_once()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;
        var fields = _signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl);
        using var first = await PostAsync(fields);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await WaitForVersionAsync(2);

        using var replay = await PostAsync(fields);

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        await Task.Delay(Window * 3, Ct);
        Assert.Equal(2, Catalog.Current.Version);
        Assert.Equal(["us-west-2"], OfferFilesReadSince(fromRequest));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_unread()
    {
        await StartAsync(more: ("Aws:Notifications:MaxBodyBytes", "4096"));
        var fromRequest = _fake.RequestCount;
        var fields = _signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl, subject: new string('x', 5000));

        using var response = await PostAsync(fields);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_sns.Requests);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_type_header_that_disagrees_with_the_message_is_refused()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl), typeHeader: SnsMessage.SubscriptionConfirmation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_region_this_service_does_not_scrape_or_another_service_is_accepted_and_ignored()
    {
        await StartAsync();
        var fromRequest = _fake.RequestCount;

        using var otherRegion = await PostAsync(_signer.Notification(RegionalMessage("sa-east-1"), _sns.CertificateUrl));
        using var otherService = await PostAsync(_signer.Notification(RegionalMessage("us-west-2", offerCode: "AmazonRDS"), _sns.CertificateUrl));

        Assert.Equal(HttpStatusCode.OK, otherRegion.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherService.StatusCode);
        await AssertOnlyTheControlScrapesAsync(fromRequest);
    }

    [Fact]
    public async Task A_valid_subscription_confirmation_visits_its_SubscribeURL()
    {
        await StartAsync();

        using var response = await PostAsync(_signer.SubscriptionConfirmation(_sns.ConfirmUrl("token-1"), _sns.CertificateUrl));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_sns.Requests, r => r.StartsWith(LocalSnsServer.ConfirmPath + "?Action=ConfirmSubscription", StringComparison.Ordinal) && r.Contains("Token=token-1", StringComparison.Ordinal));
        Assert.Equal(1, Catalog.Current.Version);
    }

    [Fact]
    public async Task A_forged_subscription_confirmation_visits_nothing()
    {
        await StartAsync();
        var fields = _signer.SubscriptionConfirmation(_sns.ConfirmUrl("token-1"), _sns.CertificateUrl);
        fields["SubscribeURL"] = _sns.ConfirmUrl("token-2").ToString();

        using var response = await PostAsync(fields);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(_sns.Requests, r => r.StartsWith(LocalSnsServer.ConfirmPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signed_confirmation_whose_SubscribeURL_is_on_a_host_not_allowed_visits_nothing()
    {
        await StartAsync();
        var elsewhere = new UriBuilder(_sns.ConfirmUrl("token-1")) { Host = "localhost" }.Uri;

        using var response = await PostAsync(_signer.SubscriptionConfirmation(elsewhere, _sns.CertificateUrl));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(_sns.Requests, r => r.StartsWith(LocalSnsServer.ConfirmPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_configuration_there_is_no_endpoint()
    {
        await StartAsync(enabled: false);

        using var response = await PostAsync(_signer.Notification(RegionalMessage("us-west-2"), _sns.CertificateUrl));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(App.Services.GetService<AwsNotificationEndpoint>());
        Assert.Empty(_sns.Requests);
    }

    [Fact]
    public async Task Each_caller_is_rate_limited_like_every_endpoint()
    {
        await StartAsync(more: [("Limits:RequestBurstPerCaller", "3"), ("Limits:RequestsPerSecondPerCaller", "1")]);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            // Unsigned junk: cheap to refuse, and each one still counts against the caller.
            using var response = await PostRawAsync("{}", SnsMessage.Notification);
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Contains(HttpStatusCode.BadRequest, statuses);
    }
}
