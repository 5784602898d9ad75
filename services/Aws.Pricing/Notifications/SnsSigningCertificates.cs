using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace Aws.Pricing.Notifications;

/// <summary>
/// The signing certificates named by <c>SigningCertURL</c>, fetched over https (only from an allowed host, checked by the
/// caller; no redirects, bounded size and time, see <see cref="AwsNotificationEndpoint.HttpClientName"/>) and cached by URL:
/// at most <see cref="AwsNotificationOptions.CachedCertificates"/>, each for <see cref="AwsNotificationOptions.CertificateCacheLifetime"/>.
/// </summary>
public sealed class SnsSigningCertificates(IHttpClientFactory httpClients, IOptions<AwsNotificationOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (X509Certificate2 Certificate, DateTimeOffset FetchedAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>The certificate at <paramref name="url"/>; throws <see cref="SigningCertificateUnavailableException"/> when it cannot be fetched or read.</summary>
    public async Task<X509Certificate2> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var key = url.AbsoluteUri;
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_cache.TryGetValue(key, out var cached) && now - cached.FetchedAt < o.CertificateCacheLifetime)
            {
                return cached.Certificate;
            }
        }

        var certificate = await FetchAsync(url, o, cancellationToken);
        lock (_gate)
        {
            _cache[key] = (certificate, now);
            while (_cache.Count > Math.Max(1, o.CachedCertificates))
            {
                _cache.Remove(_cache.MinBy(c => c.Value.FetchedAt).Key);
            }
        }

        return certificate;
    }

    private async Task<X509Certificate2> FetchAsync(Uri url, AwsNotificationOptions o, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(AwsNotificationEndpoint.HttpClientName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.FetchTimeout);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new SigningCertificateUnavailableException($"the certificate host answered {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > o.MaxCertificateBytes)
            {
                throw new SigningCertificateUnavailableException("the certificate is larger than allowed");
            }

            var bytes = await ReadBoundedAsync(await response.Content.ReadAsStreamAsync(timeout.Token), o.MaxCertificateBytes, timeout.Token)
                ?? throw new SigningCertificateUnavailableException("the certificate is larger than allowed");
            return Parse(bytes);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SigningCertificateUnavailableException(ex is OperationCanceledException ? "fetching the certificate timed out" : "the certificate host could not be reached");
        }
    }

    /// <summary>A PEM (as SNS serves it) or DER certificate.</summary>
    private static X509Certificate2 Parse(byte[] bytes)
    {
        try
        {
            var text = Encoding.ASCII.GetString(bytes);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (CryptographicException)
        {
            throw new SigningCertificateUnavailableException("the certificate could not be read");
        }
    }

    /// <summary>The whole stream, or null as soon as it is longer than <paramref name="limit"/>.</summary>
    internal static async Task<byte[]?> ReadBoundedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        await using (stream)
        {
            var buffer = new byte[limit + 1];
            var read = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
            {
                read += n;
                if (read > limit)
                {
                    return null;
                }
            }

            return buffer[..read];
        }
    }
}

/// <summary>The signing certificate could not be had; the message says why in fixed words (never the server's answer).</summary>
public sealed class SigningCertificateUnavailableException(string reason) : Exception(reason);
