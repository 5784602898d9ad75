using System.Net;
using System.Text.RegularExpressions;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>
/// A browser's way into the Dashboard with auth on: a page without a token redirects to /signin; the sign-in form is
/// antiforgery-protected, accepts only a token this deployment validates and that holds pricing.read, keeps it in an
/// HttpOnly SameSite=Strict cookie, redirects only to local paths, and sign-out drops it. (Upstreams are unreachable
/// here: the pages render their errors, which is enough to see who gets in.)
/// </summary>
public sealed partial class DashboardSignInTests
{
    private static readonly TestTokenIssuer Issuer = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_browser_signs_in_with_a_read_token_and_out_again()
    {
        await using var dashboard = await SecureHosts.StartDashboardAsync(Issuer.HostSettings.With(
            ("Dashboard:QuotesUrl", "http://127.0.0.1:9"),
            ("Dashboard:Providers:azure", "http://127.0.0.1:9")));
        var site = dashboard.BoundAddress();
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(site) };
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using (var page = await browser.GetAsync("/status", Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/signin?returnUrl=%2Fstatus", page.Headers.Location?.OriginalString);
        }

        var antiforgery = await AntiforgeryTokenAsync(browser);
        using (var forged = await browser.PostAsync("/signin", Form(("token", Issuer.Mint(TestTokenIssuer.ReadScope)), ("returnUrl", "/status")), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode); // no antiforgery token: refused before anything is read
        }

        var foreign = new TestTokenIssuer().Mint(TestTokenIssuer.ReadScope);
        Assert.Contains("not accepted here", await SignInErrorAsync(browser, antiforgery, foreign));
        Assert.Contains("lacks the pricing.read scope", await SignInErrorAsync(browser, antiforgery, Issuer.Mint("other.scope")));
        Assert.Null(TokenCookie(cookies, site));

        var read = Issuer.Mint(TestTokenIssuer.ReadScope, subject: "analyst");
        using (var signedIn = await browser.PostAsync("/signin", Form(("token", read), ("returnUrl", "/status"), ("__RequestVerificationToken", antiforgery)), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("/status", signedIn.Headers.Location?.OriginalString);
            var setCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("pricing_token=", StringComparison.Ordinal));
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        }

        using (var page = await browser.GetAsync("/status", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // Antiforgery tokens are bound to the signed-in user: the form gives a new one now.
        antiforgery = await AntiforgeryTokenAsync(browser);

        // Only local return paths: anything else lands on the matrix.
        using (var offsite = await browser.PostAsync("/signin", Form(("token", read), ("returnUrl", "https://evil.example/"), ("__RequestVerificationToken", antiforgery)), Ct))
        {
            Assert.Equal("/", offsite.Headers.Location?.OriginalString);
        }

        using (var signedOut = await browser.PostAsync("/signin?handler=signout", Form(("__RequestVerificationToken", antiforgery)), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        }

        Assert.Null(TokenCookie(cookies, site));
        using (var page = await browser.GetAsync("/status", Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        }

        // API-style callers (no HTML in Accept) still get a plain 401.
        using var api = new HttpClient();
        using var plain = await api.GetAsync(site + "/status", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
    }

    private static async Task<string> AntiforgeryTokenAsync(HttpClient browser)
    {
        using var form = await browser.GetAsync("/signin", Ct);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var match = AntiforgeryField().Match(await form.Content.ReadAsStringAsync(Ct));
        Assert.True(match.Success, "The sign-in form carries no antiforgery token.");
        return match.Groups[1].Value;
    }

    private static async Task<string> SignInErrorAsync(HttpClient browser, string antiforgery, string token)
    {
        using var response = await browser.PostAsync("/signin", Form(("token", token), ("__RequestVerificationToken", antiforgery)), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(token, html);
        return html;
    }

    private static string? TokenCookie(CookieContainer cookies, string site) =>
        cookies.GetCookies(new Uri(site)).FirstOrDefault(c => c.Name == "pricing_token" && !c.Expired)?.Value;

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
