using System.Net;

namespace Pricing.Sources.Tests;

public sealed class SpooledBodyHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Answer(Func<HttpContent> content) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content() });
    }

    /// <summary>Content with no declared length, as a chunked response has.</summary>
    private sealed class UnsizedContent(byte[] data) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(data).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task A_body_of_unknown_or_large_size_is_read_to_a_temporary_file_that_goes_with_the_response()
    {
        var data = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(data);
        using var http = new HttpClient(new SpooledBodyHandler(inMemoryLimit: 1024) { InnerHandler = new Answer(() => new UnsizedContent(data)) });

        static HashSet<string> Spooled() => [.. Directory.GetFiles(Path.GetTempPath(), "pricing-body-*.tmp")];
        var before = Spooled();
        string path;
        using (var response = await http.GetAsync("http://example.invalid/offer", HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            path = Assert.Single(Spooled().Except(before));
            Assert.Equal(data.Length, new FileInfo(path).Length);
            Assert.Equal(data, await response.Content.ReadAsByteArrayAsync(Ct));
        }

        Assert.False(File.Exists(path), "The spooled body outlived its response.");
    }

    [Fact]
    public async Task A_body_that_says_it_is_small_stays_in_memory()
    {
        var data = "{\"regions\":{}}"u8.ToArray();
        using var http = new HttpClient(new SpooledBodyHandler() { InnerHandler = new Answer(() => new ByteArrayContent(data)) });

        var before = Directory.GetFiles(Path.GetTempPath(), "pricing-body-*.tmp");

        using var response = await http.GetAsync("http://example.invalid/index", HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "pricing-body-*.tmp").Except(before));
        Assert.Equal(data, await response.Content.ReadAsByteArrayAsync(Ct));
    }
}
