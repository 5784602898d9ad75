using System.Net;
using Pricing.FakeProviders;
using Pricing.Sources;

namespace Gcp.Pricing.Tests;

/// <summary>The API key: required, sent, rejected clearly when wrong, and never written to a log or an error.</summary>
public sealed class ApiKeyTests
{
    private const string RightKey = "AIzaSy-right-key-for-the-fake-0001";
    private const string WrongKey = "AIzaSy-wrong-key-never-to-be-logged";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_rejected_key_fails_the_scrape_with_a_clear_error_without_retrying_or_repeating_the_key()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot(RightKey).StartAsync(Ct);
        await using var host = await GcpHost.StartAsync(fake.BaseUrl, WrongKey, Ct);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Equal(0, outcome.Version);
        Assert.Contains("API_KEY_INVALID", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("API key not valid", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("Gcp:ApiKey", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongKey, outcome.Error, StringComparison.Ordinal);
        // A 400 is not transient: one request, no retries.
        var request = Assert.Single(fake.Requests);
        Assert.False(request.KeyAccepted);
        var status = host.Catalog.Status();
        Assert.True(status.Stale);
        Assert.Contains("API_KEY_INVALID", status.LastError, StringComparison.Ordinal);
        Assert.Empty(host.Catalog.Current.Offers);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Contains(WrongKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_key_configured_fails_the_scrape_before_any_request()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot(RightKey).StartAsync(Ct);
        await using var host = await GcpHost.StartAsync(fake.BaseUrl, apiKey: null, Ct);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Failed, outcome.Kind);
        Assert.Contains("Gcp:ApiKey is not set", outcome.Error, StringComparison.Ordinal);
        Assert.Equal(0, fake.RequestCount);
    }

    [Fact]
    public async Task The_key_is_sent_on_every_page_and_appears_in_no_log_line_even_around_a_retry()
    {
        await using var fake = await FakeGcpCloudBillingApi.FromEmbeddedSnapshot(RightKey).StartAsync(Ct);
        await using var host = await GcpHost.StartAsync(fake.BaseUrl, RightKey, Ct);
        fake.FailNext(1, HttpStatusCode.ServiceUnavailable, at: 1);

        var outcome = await host.Catalog.ScrapeOnceAsync(Ct);

        Assert.Equal(ScrapeResultKind.Published, outcome.Kind);
        Assert.All(fake.Requests, r => Assert.True(r.KeyAccepted));
        var logs = host.Logs.Entries;
        // The HTTP client does log each request (with its query redacted), so there is something to look through.
        Assert.Contains(logs, e => e.Contains("/skus", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, e => e.Contains(RightKey, StringComparison.Ordinal));
    }
}
