using System.Net.Http.Headers;

namespace Pricing.Sources;

/// <summary>
/// Reads the whole response body inside the resilience pipeline, like <see cref="BufferedBodyHandler"/> (so a
/// body that breaks off or stalls fails that attempt and is retried), but a large body goes to a temporary
/// file that is deleted when the response is disposed, not to memory (an EC2 offer file is hundreds of MB). A provider
/// asks for it with <see cref="ResponseBodies.SpooledToDisk"/>.
/// Bodies that say they are small stay in memory.
/// </summary>
public sealed class SpooledBodyHandler(long inMemoryLimit = SpooledBodyHandler.DefaultInMemoryLimit) : DelegatingHandler
{
    public const long DefaultInMemoryLimit = 8 * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        FileStream? file = null;
        try
        {
            if (response.Content.Headers.ContentLength is { } length && length <= inMemoryLimit)
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                return response;
            }

            var path = Path.Combine(Path.GetTempPath(), $"pricing-body-{Guid.NewGuid():N}.tmp");
            file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
                FileOptions.DeleteOnClose | FileOptions.Asynchronous | FileOptions.SequentialScan);
            await response.Content.CopyToAsync(file, cancellationToken);
            file.Position = 0;

            var spooled = new StreamContent(file, 1 << 16);
            CopyHeaders(response.Content.Headers, spooled.Headers);
            response.Content.Dispose();
            response.Content = spooled;
            return response;
        }
        catch
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }

            response.Dispose();
            throw;
        }
    }

    private static void CopyHeaders(HttpContentHeaders from, HttpContentHeaders to)
    {
        foreach (var header in from)
        {
            to.TryAddWithoutValidation(header.Key, header.Value);
        }
    }
}
