using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dashboard;

/// <summary>
/// <c>GET /dashboard/events</c>: server-sent events. <c>event: change</c> (data: a <see cref="FeedItem"/> as JSON, id: its
/// sequence number) and <c>event: relay</c> (data: a <see cref="RelayState"/>). A reconnecting browser sends
/// <c>Last-Event-ID</c> (or the page passes <c>?after=</c>) and gets the kept changes it missed first.
/// </summary>
internal static class LiveFeedEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync(HttpContext context, PriceFeedRelay relay, IHostApplicationLifetime lifetime)
    {
        var after = relay.LastSeq;
        if (long.TryParse(context.Request.Headers["Last-Event-ID"], NumberStyles.None, CultureInfo.InvariantCulture, out var lastEventId))
        {
            after = lastEventId;
        }
        else if (long.TryParse(context.Request.Query["after"], NumberStyles.None, CultureInfo.InvariantCulture, out var afterQuery))
        {
            after = afterQuery;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";

        using var subscription = relay.Subscribe(after);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        try
        {
            await WriteAsync(response, "retry: 2000\n\n", ct);
            await WriteAsync(response, Frame("relay", null, subscription.State), ct);
            foreach (var item in subscription.Backlog)
            {
                await WriteAsync(response, Frame("change", item.Seq, item), ct);
            }

            await response.Body.FlushAsync(ct);
            var reader = subscription.Events;
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(Heartbeat);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await WriteAsync(response, ": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }

                if (!more)
                {
                    return;
                }

                while (reader.TryRead(out var next))
                {
                    var frame = next.Item is { } item ? Frame("change", item.Seq, item) : Frame("relay", null, next.State!);
                    await WriteAsync(response, frame, ct);
                }

                await response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser left or the host is stopping.
        }
    }

    private static string Frame<T>(string type, long? id, T data)
    {
        var text = new StringBuilder();
        text.Append("event: ").Append(type).Append('\n');
        if (id is { } value)
        {
            text.Append("id: ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("data: ").Append(JsonSerializer.Serialize(data, Json)).Append("\n\n");
        return text.ToString();
    }

    private static Task WriteAsync(HttpResponse response, string text, CancellationToken ct) =>
        response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask();
}
