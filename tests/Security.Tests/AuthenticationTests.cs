using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Pricing.Catalog;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>
/// Every deployable with auth on, tokens from a local issuer: no token is Unauthenticated / 401, a token without the
/// scope PermissionDenied / 403, the right scope OK / 200; health stays anonymous; admin needs pricing.admin.
/// </summary>
public sealed class AuthenticationTests
{
    private static readonly TestTokenIssuer Issuer = new();

    public static TheoryData<string> Providers => [.. CloudProviders.Ids];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_provider_service_needs_a_read_token_for_gRPC_and_an_admin_token_to_scrape(string provider)
    {
        await using var app = await StartProviderAsync(provider);
        var grpc = app.BoundAddress();
        var http = app.BoundHttp1Address();
        var ct = TestContext.Current.CancellationToken;

        async Task<StatusCode> StatusWith(string? token)
        {
            using var channel = TestTokenIssuer.Channel(grpc, token);
            try
            {
                await new ProviderCatalog.ProviderCatalogClient(channel).GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: ct);
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }

        Assert.Equal(StatusCode.Unauthenticated, await StatusWith(null));
        Assert.Equal(StatusCode.PermissionDenied, await StatusWith(Issuer.Mint("")));
        Assert.Equal(StatusCode.PermissionDenied, await StatusWith(Issuer.Mint("other.scope")));
        Assert.Equal(StatusCode.OK, await StatusWith(Issuer.Mint(TestTokenIssuer.ReadScope)));
        Assert.Equal(StatusCode.OK, await StatusWith(Issuer.Mint(TestTokenIssuer.AdminScope)));

        using var client = new HttpClient();
        async Task<HttpStatusCode> HttpWith(HttpMethod method, string path, string? token)
        {
            using var response = await client.SendAsync(TestTokenIssuer.Request(method, http + path, token), ct);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await HttpWith(HttpMethod.Post, "/admin/scrape", null));
        Assert.Equal(HttpStatusCode.Forbidden, await HttpWith(HttpMethod.Post, "/admin/scrape", Issuer.Mint(TestTokenIssuer.ReadScope)));
        Assert.Equal(HttpStatusCode.OK, await HttpWith(HttpMethod.Post, "/admin/scrape", Issuer.Mint(TestTokenIssuer.AdminScope)));
        Assert.Equal(HttpStatusCode.Unauthorized, await HttpWith(HttpMethod.Get, "/v1/scrape-status", null));
        Assert.Equal(HttpStatusCode.Forbidden, await HttpWith(HttpMethod.Get, "/v1/scrape-status", Issuer.Mint("other.scope")));
        Assert.Equal(HttpStatusCode.OK, await HttpWith(HttpMethod.Get, "/v1/scrape-status", Issuer.Mint(TestTokenIssuer.ReadScope)));
        Assert.Equal(HttpStatusCode.Unauthorized, await HttpWith(HttpMethod.Get, "/metrics", null));
        Assert.Equal(HttpStatusCode.OK, await HttpWith(HttpMethod.Get, "/health/live", null));
        Assert.Equal(HttpStatusCode.OK, await HttpWith(HttpMethod.Get, "/health/ready", null));

        using var anonymous = TestTokenIssuer.Channel(grpc, null);
        var health = await new Health.HealthClient(anonymous).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Expired_foreign_and_misaddressed_tokens_are_Unauthenticated()
    {
        await using var app = await StartProviderAsync("azure");
        var ct = TestContext.Current.CancellationToken;
        var stranger = new TestTokenIssuer();
        string[] refused =
        [
            Issuer.Mint(TestTokenIssuer.ReadScope, now: DateTimeOffset.UtcNow.AddHours(-2), lifetime: TimeSpan.FromMinutes(10)),
            stranger.Mint(TestTokenIssuer.AdminScope),
            Issuer.Mint(TestTokenIssuer.ReadScope, audience: "someone-else"),
            Issuer.Mint(TestTokenIssuer.ReadScope, issuer: "someone-else"),
            "not-a-jwt",
        ];
        foreach (var token in refused)
        {
            using var channel = TestTokenIssuer.Channel(app.BoundAddress(), token);
            var ex = await Assert.ThrowsAsync<RpcException>(() =>
                new ProviderCatalog.ProviderCatalogClient(channel).ListOffersAsync(new ListOffersRequest(), cancellationToken: ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
            Assert.Contains(PricingAuthOptions.ReadScope, ex.Status.Detail);
        }
    }

    [Fact]
    public async Task Quotes_and_the_dashboard_need_tokens_and_send_their_own_to_the_services_they_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azure = await StartProviderAsync("azure");
        await using var quotes = await SecureHosts.StartQuotesAsync(Issuer.HostSettings.With(("Quotes:Providers:azure", azure.BoundAddress())));
        var read = Issuer.Mint(TestTokenIssuer.ReadScope);

        // Quotes bootstraps its view from Azure over gRPC with a token it mints itself: the view fills only if Azure accepted it.
        using (var channel = TestTokenIssuer.Channel(quotes.BoundAddress(), read))
        {
            var changes = new PriceChanges.PriceChangesClient(channel);
            var deadline = DateTime.UtcNow.AddSeconds(90);
            ViewStatus status;
            while ((status = await changes.GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: ct)).Providers.All(p => p.Provider != "azure"))
            {
                Assert.True(DateTime.UtcNow < deadline, "Quotes never loaded Azure's catalog over the authenticated channel.");
                await Task.Delay(100, ct);
            }

            Assert.True(status.Providers.Single(p => p.Provider == "azure").Offers > 0);
            var quote = await new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(
                new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e11, AcceleratorIds = { "nvidia-h100-80gb" } }, cancellationToken: ct);
            Assert.NotEmpty(quote.Options);
        }

        foreach (var (token, expected) in new[] { ((string?)null, StatusCode.Unauthenticated), (Issuer.Mint("other.scope"), StatusCode.PermissionDenied) })
        {
            using var channel = TestTokenIssuer.Channel(quotes.BoundAddress(), token);
            var ex = await Assert.ThrowsAsync<RpcException>(() =>
                new PriceChanges.PriceChangesClient(channel).GetViewStatusAsync(new GetViewStatusRequest(), cancellationToken: ct).ResponseAsync);
            Assert.Equal(expected, ex.StatusCode);
            var quoteEx = await Assert.ThrowsAsync<RpcException>(() =>
                new TrainingQuotes.TrainingQuotesClient(channel).QuoteTrainingRunAsync(new QuoteTrainingRunRequest { Parameters = 7e9, Tokens = 1e11 }, cancellationToken: ct).ResponseAsync);
            Assert.Equal(expected, quoteEx.StatusCode);
        }

        using var http = new HttpClient();
        using (var anonymous = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, quotes.BoundHttp1Address() + "/v1/price-history?acceleratorId=nvidia-h100-80gb", null), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var authorized = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, quotes.BoundHttp1Address() + "/v1/price-history?acceleratorId=nvidia-h100-80gb", read), ct))
        {
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }

        await using var dashboard = await SecureHosts.StartDashboardAsync(Issuer.HostSettings.With(
            ("Dashboard:QuotesUrl", quotes.BoundAddress()),
            ("Dashboard:Providers:azure", azure.BoundAddress())));
        var page = dashboard.BoundAddress() + "/status";
        using (var anonymous = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, page, null), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrongScope = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, page, Issuer.Mint("other.scope")), ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, wrongScope.StatusCode);
        }

        using (var health = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, dashboard.BoundAddress() + "/health/live", null), ct))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using var shown = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, page, read), ct);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        var html = await shown.Content.ReadAsStringAsync(ct);
        // A reachable provider row carries its version; an unreachable one says why (it would say Unauthenticated).
        Assert.Contains("data-provider=\"azure\" data-version=", html);
        Assert.DoesNotContain("unreachable", html);
    }

    private static Task<WebApplication> StartProviderAsync(string provider) => provider switch
    {
        "aws" => SecureHosts.StartAwsAsync(Issuer.HostSettings),
        "gcp" => SecureHosts.StartGcpAsync(Issuer.HostSettings),
        "azure" => SecureHosts.StartAzureAsync(Issuer.HostSettings),
        // A provider added to providers.json fails here until SecureHosts can start it, instead of testing another.
        _ => throw new NotSupportedException($"No secure host for provider '{provider}': add one to SecureHosts."),
    };

    [Fact]
    public async Task Without_auth_a_service_on_a_non_loopback_address_refuses_to_start_and_serves_nothing()
    {
        var builder = WebApplication.CreateBuilder();
        // Every interface: what a container or a careless --urls does.
        builder.WebHost.UseUrls("http://0.0.0.0:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var app = Quotes.Extensions.QuotesExtensions.BuildQuotesApp(builder);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Refusing to start", refused.Message);
        Assert.Contains("Auth:SigningKey", refused.Message);
    }

    [Theory]
    [InlineData("change-me")]
    [InlineData("c2hvcnQ=")] // "short": base64, but 5 bytes
    public void A_placeholder_or_short_signing_key_stops_the_host_at_build_with_the_reason(string key)
    {
        var builder = WebApplication.CreateBuilder();
        builder.UseFreeLoopbackPort();
        builder.Configuration["Auth:SigningKey"] = key;
        var refused = Assert.Throws<InvalidOperationException>(() => Quotes.Extensions.QuotesExtensions.BuildQuotesApp(builder));
        Assert.Contains("Auth:SigningKey", refused.Message);
        Assert.DoesNotContain(key, refused.Message);
    }
}
