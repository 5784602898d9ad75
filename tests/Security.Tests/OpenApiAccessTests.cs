using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>
/// With authentication on, a deployable's OpenAPI document and its page are anonymous (they describe the contract,
/// hold no data), declare the bearer scheme, and the routes they list still refuse a call without a token.
/// </summary>
public sealed class OpenApiAccessTests
{
    private static readonly TestTokenIssuer Issuer = new();

    [Fact]
    public async Task The_OpenAPI_document_is_anonymous_and_the_routes_it_lists_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azure = await SecureHosts.StartAzureAsync(Issuer.HostSettings);
        using var http = new HttpClient();
        var http1 = azure.BoundHttp1Address();

        using var document = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, http1 + OpenApiDocument.DocumentPath, null), ct);
        var body = await document.Content.ReadAsStringAsync(ct);
        Assert.True(document.StatusCode == HttpStatusCode.OK, $"{(int)document.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal("bearer", json.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        var route = json.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).First(p => !p.Contains('{', StringComparison.Ordinal));

        using var page = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, http1 + OpenApiDocument.PagePath + "/index.html", null), ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        using var call = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, http1 + route, null), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, call.StatusCode);
    }
}
