using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Pricing.Extensions;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pricing.Contracts.V1;
using Pricing.ServiceDefaults;
using Pricing.Testing;

namespace Security.Tests;

/// <summary>
/// The mTLS option (Auth:ClientCertificates) on a provider service over HTTPS, with a private CA made in the test:
/// a certificate from that CA authenticates with the configured scopes, one from elsewhere is Unauthenticated, no
/// certificate gets no connection; a service's own outgoing handler presents its certificate and trusts only servers
/// of that CA.
/// </summary>
public sealed class MutualTlsTests : IAsyncLifetime
{
    private static readonly TestTokenIssuer Issuer = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("pricing-mtls-").FullName;
    private X509Certificate2 _ca = null!;
    private X509Certificate2 _trustedClient = null!;
    private X509Certificate2 _foreignClient = null!;
    private WebApplication? _app;
    private string _address = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _ca = Authority("pricing-test-ca");
        var server = Issue(_ca, "localhost", serverAuth: true);
        _trustedClient = Issue(_ca, "quotes", serverAuth: false);
        _foreignClient = Issue(Authority("someone-else"), "intruder", serverAuth: false);
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), _ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "quotes.pem"), _trustedClient.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "quotes.key"), _trustedClient.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());

        File.WriteAllText(Path.Combine(_dir, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "server.key"), server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());

        var builder = WebApplication.CreateBuilder();
        // HTTPS the way a deployment configures it: a Kestrel endpoint with PEM files, in configuration.
        builder.Configuration.AddInMemoryCollection(Issuer.HostSettings.With(
            ("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0"),
            ("Kestrel:Endpoints:Https:Protocols", "Http2"),
            ("Kestrel:Endpoints:Https:Certificate:Path", Path.Combine(_dir, "server.pem")),
            ("Kestrel:Endpoints:Https:Certificate:KeyPath", Path.Combine(_dir, "server.key")),
            ("Auth:ClientCertificates:Required", "true"),
            ("Auth:ClientCertificates:TrustedCaFile", Path.Combine(_dir, "ca.pem")),
            ("Auth:ClientCertificates:Scopes", "pricing.read")));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        _app = builder.BuildAzurePricingApp();
        await _app.StartAsync(Ct);
        _address = _app.BoundAddress().Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_certificate_from_the_trusted_CA_reads_without_a_token_but_may_not_scrape()
    {
        using var channel = Channel(_trustedClient);
        var status = await new ProviderCatalog.ProviderCatalogClient(channel).GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct);
        Assert.Equal("azure", Assert.Single(status.Providers).Provider);

        using var http = new HttpClient(Handler(_trustedClient)) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var scrape = await http.PostAsync(_address + "/admin/scrape", null, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, scrape.StatusCode);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_is_Unauthenticated()
    {
        using var channel = Channel(_foreignClient);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new ProviderCatalog.ProviderCatalogClient(channel).GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Without_a_certificate_there_is_no_connection()
    {
        using var channel = Channel(null);
        var ex = await Assert.ThrowsAsync<RpcException>(() => new ProviderCatalog.ProviderCatalogClient(channel).GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct).ResponseAsync);
        // The server ends the handshake: the client sees a reset (Unavailable) or a failed handshake (Internal),
        // depending on timing; never an answer (Unauthenticated would mean the connection was let in).
        Assert.Contains(ex.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
    }

    [Fact]
    public async Task A_services_own_handler_presents_its_certificate_and_trusts_only_the_CA()
    {
        var settings = new PricingAuthOptions
        {
            ClientCertificates = new ClientCertificateOptions
            {
                CertificateFile = Path.Combine(_dir, "quotes.pem"),
                KeyFile = Path.Combine(_dir, "quotes.key"),
                TrustedCaFile = Path.Combine(_dir, "ca.pem"),
            },
        };
        var tokens = new ServiceTokenSource(Options.Create(settings), new Environment(), TimeProvider.System);
        using var channel = GrpcChannel.ForAddress(_address, tokens.ChannelOptions());
        var status = await new ProviderCatalog.ProviderCatalogClient(channel).GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct);
        Assert.Equal("azure", Assert.Single(status.Providers).Provider);

        // A handler trusting another CA refuses this server's certificate.
        File.WriteAllText(Path.Combine(_dir, "other-ca.pem"), Authority("other-ca").ExportCertificatePem());
        var trustingOther = new PricingAuthOptions { ClientCertificates = new ClientCertificateOptions { TrustedCaFile = Path.Combine(_dir, "other-ca.pem") } };
        var waryTokens = new ServiceTokenSource(Options.Create(trustingOther), new Environment(), TimeProvider.System);
        using var wary = GrpcChannel.ForAddress(_address, waryTokens.ChannelOptions());
        var ex = await Assert.ThrowsAsync<RpcException>(() => new ProviderCatalog.ProviderCatalogClient(wary).GetScrapeStatusAsync(new GetScrapeStatusRequest(), cancellationToken: Ct).ResponseAsync);
        // The client's own TLS check fails before any request is sent (Grpc.Net.Client reports it as Internal).
        Assert.Contains("SSL connection could not be established", ex.Status.Detail, StringComparison.Ordinal);
    }

    private GrpcChannel Channel(X509Certificate2? client) =>
        GrpcChannel.ForAddress(_address, new GrpcChannelOptions { HttpHandler = Handler(client), DisposeHttpClient = true });

    /// <summary>A client that trusts the test CA for the server and presents <paramref name="client"/> (if any).</summary>
    private SocketsHttpHandler Handler(X509Certificate2? client)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(_ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is X509Certificate2 c && chain.Build(c);
        };
        if (client is not null)
        {
            handler.SslOptions.ClientCertificates = [client];
        }

        return handler;
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, bool serverAuth)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        // With its private key, exported and re-imported so the TLS stack can use it.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Test";

        public string ApplicationName { get; set; } = "mtls-test";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
