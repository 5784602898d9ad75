using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pricing.FakeProviders;

/// <summary>
/// What every fake provider API shares: a real Kestrel server on 127.0.0.1 (port chosen by the OS), the requests it
/// received, faults queued for upcoming requests (each optionally aimed at one <typeparamref name="TTarget"/>: a page,
/// a path), the serving of one request (record it, take its fault, answer the fault or the rendered body, cut as a
/// truncation fault says) and the reading of recorded pages bundled in a provider assembly. A derived fake says where
/// it listens, how it names a request, and how its API renders a body and an error.
/// </summary>
public abstract class FakeProviderApi<TSelf, TTarget, TRequest> : IAsyncDisposable
    where TSelf : FakeProviderApi<TSelf, TTarget, TRequest>
{
    private readonly InjectedFaults<TTarget> _faults = new();
    private readonly List<TRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Uri? _baseUrl;

    /// <summary>Guards the fake's data and its request log; <see cref="Describe"/> and <see cref="Render"/> run under it.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>The fake's address, with a trailing slash (for <c>{Provider}:BaseUrl</c>). Set by <see cref="StartAsync"/>.</summary>
    public Uri BaseUrl => _baseUrl ?? throw new InvalidOperationException("The fake is not started: call StartAsync first.");

    /// <summary>Every request received, faulted ones included, in arrival order.</summary>
    public IReadOnlyList<TRequest> Requests
    {
        get
        {
            lock (Gate)
            {
                return [.. _requests];
            }
        }
    }

    public int RequestCount
    {
        get
        {
            lock (Gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>Faults queued and not yet applied.</summary>
    public int PendingFaults => _faults.Count;

    /// <summary>The route the API answers on (GET).</summary>
    protected abstract string Route { get; }

    /// <summary>Starts Kestrel on 127.0.0.1, port chosen by the OS, and sets <see cref="BaseUrl"/>.</summary>
    public async Task<TSelf> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The fake is already started.");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet(Route, (RequestDelegate)HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        _baseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return (TSelf)this;
    }

    // ---- Faults ------------------------------------------------------------------------------------------

    /// <summary>
    /// The next <paramref name="count"/> requests (for <paramref name="at"/> only, when given) answer <paramref name="status"/>
    /// with the API's error body, and a <c>Retry-After</c> header in whole seconds when <paramref name="retryAfter"/> is set.
    /// </summary>
    public void FailNext(int count, HttpStatusCode status, TimeSpan? retryAfter = null, TTarget at = default!) =>
        _faults.Fail(count, status, retryAfter, at);

    /// <summary>The next <paramref name="count"/> requests (for <paramref name="at"/> only, when given) get half a body, ended as <paramref name="mode"/> says.</summary>
    public void TruncateNext(int count, TruncationMode mode = TruncationMode.EndCleanly, TTarget at = default!) =>
        _faults.Truncate(count, mode, at);

    /// <summary>
    /// The next <paramref name="count"/> requests (for <paramref name="at"/> only, when given) wait <paramref name="delay"/>
    /// before the answer starts (or until the client gives up), then get their body.
    /// </summary>
    public void DelayNext(int count, TimeSpan delay, TTarget at = default!) =>
        _faults.Delay(count, delay, at);

    /// <summary>Drops every queued fault.</summary>
    public void ClearFaults() => _faults.Clear();

    // ---- Serving -----------------------------------------------------------------------------------------

    /// <summary>The request as the fake records it, and the target a fault must name to apply to it. Called under <see cref="Gate"/>.</summary>
    protected abstract (TRequest Request, TTarget Target) Describe(HttpContext context);

    /// <summary>The body and content type to answer with, or a null body when the API has nothing there (404). Called under <see cref="Gate"/>.</summary>
    protected abstract (byte[]? Body, string ContentType) Render(HttpContext context);

    /// <summary>Writes status, content type and the API's error body (a <c>Retry-After</c> header may already be set).</summary>
    protected abstract Task WriteErrorAsync(HttpResponse response, HttpStatusCode status, string code, string message, CancellationToken cancellationToken);

    /// <summary>Answers a request the API itself would refuse (a bad key, a bad token) before any fault applies; true when it did.</summary>
    protected virtual Task<bool> RefuseAsync(HttpContext context, CancellationToken cancellationToken) => Task.FromResult(false);

    private async Task HandleAsync(HttpContext context)
    {
        InjectedFault<TTarget>? fault;
        lock (Gate)
        {
            var (request, target) = Describe(context);
            _requests.Add(request);
            fault = _faults.TakeFor(target);
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var response = context.Response;
        try
        {
            if (await RefuseAsync(context, aborted.Token))
            {
                return;
            }

            switch (fault?.Kind)
            {
                case FaultKind.Fail:
                    InjectedFaults<TTarget>.SetRetryAfter(response, fault.RetryAfter);
                    await WriteErrorAsync(response, fault.Status, fault.Status.ToString(), $"Injected fault: {(int)fault.Status}.", aborted.Token);
                    return;

                case FaultKind.Delay:
                    await Task.Delay(fault.Delay, aborted.Token);
                    break;
            }

            byte[]? body;
            string contentType;
            lock (Gate)
            {
                (body, contentType) = Render(context);
            }

            if (body is null)
            {
                await WriteErrorAsync(response, HttpStatusCode.NotFound, "NoSuchKey", "The API has nothing at this address.", aborted.Token);
                return;
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            await InjectedFaults<TTarget>.WriteBodyAsync(context, body, fault, aborted.Token);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up (a timeout) or the fake is stopping: nothing more to send.
            context.Abort();
        }
    }

    // ---- Recorded pages ----------------------------------------------------------------------------------

    /// <summary>
    /// The embedded resources of <paramref name="assembly"/> whose names start with <paramref name="prefix"/> (a provider's
    /// bundled snapshot, the pages its snapshot source reads), as text keyed by name, in ordinal name order.
    /// </summary>
    protected static IReadOnlyList<KeyValuePair<string, string>> ReadEmbedded(Assembly assembly, string prefix)
    {
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0)
        {
            throw new InvalidDataException($"{assembly.GetName().Name} has no embedded resource named {prefix}*.");
        }

        return names.Select(name =>
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            return KeyValuePair.Create(name, reader.ReadToEnd());
        }).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }

        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}
