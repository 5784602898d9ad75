using System.Net;
using Pricing.Cli;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>`pricing token` mints what a deployment with a shared key accepts: the scope it asks for, and nothing more.</summary>
public sealed class TokenCommandTests
{
    private static readonly TestTokenIssuer Issuer = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (int Exit, string Output, string Error) Run(Func<string, string?> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = TokenCommand.Run(TokenArguments.Parse(args), environment, output, error, DateTimeOffset.UtcNow);
        return (exit, output.ToString().Trim(), error.ToString());
    }

    private static string? IssuerEnvironment(string name) => name switch
    {
        TokenCommand.KeyVariable => Issuer.SigningKeyBase64,
        "Auth__Issuer" => Issuer.Issuer,
        "Auth__Audience" => Issuer.Audience,
        _ => null,
    };

    [Fact]
    public async Task An_admin_token_scrapes_and_a_read_token_is_forbidden_to()
    {
        var admin = Run(IssuerEnvironment, "--scope", "pricing.admin", "--subject", "operator", "--lifetime", "10m");
        var read = Run(IssuerEnvironment, "--subject", "prometheus", "--lifetime", "30d");
        Assert.Equal(0, admin.Exit);
        Assert.Equal(0, read.Exit);

        await using var azure = await SecureHosts.StartAzureAsync(Issuer.HostSettings);
        using var http = new HttpClient();
        using var scraped = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Post, azure.BoundHttp1Address() + "/admin/scrape", admin.Output), Ct);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        using var refused = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Post, azure.BoundHttp1Address() + "/admin/scrape", read.Output), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var metrics = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Get, azure.BoundHttp1Address() + "/metrics", read.Output), Ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task A_token_from_another_key_is_refused()
    {
        var other = new TestTokenIssuer();
        var foreign = Run(name => name == TokenCommand.KeyVariable ? other.SigningKeyBase64 : IssuerEnvironment(name), "--scope", "pricing.admin");
        Assert.Equal(0, foreign.Exit);

        await using var azure = await SecureHosts.StartAzureAsync(Issuer.HostSettings);
        using var http = new HttpClient();
        using var response = await http.SendAsync(TestTokenIssuer.Request(HttpMethod.Post, azure.BoundHttp1Address() + "/admin/scrape", foreign.Output), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("--scope", "pricing.root")]
    [InlineData("--lifetime", "91d")]
    [InlineData("--lifetime", "0h")]
    [InlineData("--lifetime", "12")]
    [InlineData("--subject", "")]
    [InlineData("--verbose", "x")]
    public async Task Bad_options_are_refused_with_exit_2(string option, string value)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Cli.RunAsync(["token", option, value], output, error, Ct);
        Assert.Equal(2, exit);
        Assert.Equal("", output.ToString());
        Assert.Contains("pricing token:", error.ToString());
    }

    [Fact]
    public void Without_a_key_or_with_a_short_one_no_token_is_printed()
    {
        Assert.Equal(2, Run(_ => null).Exit);
        var shortKey = Run(name => name == TokenCommand.KeyVariable ? Convert.ToBase64String(new byte[16]) : null);
        Assert.Equal(2, shortKey.Exit);
        Assert.Equal("", shortKey.Output);
        Assert.Contains(TokenCommand.KeyVariable, shortKey.Error);
    }

    [Fact]
    public void A_minted_token_carries_the_scopes_subject_and_lifetime_asked_for()
    {
        var (exit, token, _) = Run(IssuerEnvironment, "--scope", "pricing.read", "--scope", "pricing.admin", "--subject", "ci", "--lifetime", "2h");
        Assert.Equal(0, exit);
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token);
        Assert.Equal("ci", jwt.Subject);
        Assert.Equal("pricing.read pricing.admin", jwt.GetClaim(PricingAuthentication.ScopeClaim).Value);
        Assert.InRange(jwt.ValidTo - jwt.ValidFrom, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        Assert.Equal(Issuer.Issuer, jwt.Issuer);
    }
}
