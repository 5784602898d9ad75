using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Pricing.FakeProviders;

/// <summary>How a truncation fault cuts a body.</summary>
public enum TruncationMode
{
    /// <summary>Status 200, chunked body holding the first half of the page, then a clean end of body: the JSON is cut mid-way.</summary>
    EndCleanly,

    /// <summary>Status 200 with the full Content-Length, the first half of the body, then the connection is aborted.</summary>
    AbortConnection,

    /// <summary>Status 200 with the full Content-Length, the first half of the body, then nothing until the client gives up.</summary>
    Stall,
}

public enum FaultKind
{
    /// <summary>An error status (with Retry-After when set) instead of the body.</summary>
    Fail,

    /// <summary>Half the body, ended as the fault's <see cref="TruncationMode"/> says.</summary>
    Truncate,

    /// <summary>A wait before the answer starts.</summary>
    Delay,
}

/// <summary>A fault queued for one of a fake API's next requests: for any request when <c>Target</c> is null, else for the one it names (a page, a path).</summary>
public sealed record InjectedFault<TTarget>(FaultKind Kind, TTarget Target, HttpStatusCode Status, TimeSpan? RetryAfter, TimeSpan Delay, TruncationMode Mode);

/// <summary>
/// The faults every fake provider API injects, in one place: queued per request (optionally aimed at one page or
/// path), taken by the request they match, and the truncated-body answers written the same way for every API.
/// </summary>
public sealed class InjectedFaults<TTarget>
{
    /// <summary>How long a half body is given to leave before the connection is reset (else the client sees no headers).</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private readonly List<InjectedFault<TTarget>> _faults = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _faults.Count;
            }
        }
    }

    public void Fail(int count, HttpStatusCode status, TimeSpan? retryAfter, TTarget target) =>
        Enqueue(count, new(FaultKind.Fail, target, status, retryAfter, TimeSpan.Zero, TruncationMode.EndCleanly));

    public void Truncate(int count, TruncationMode mode, TTarget target) =>
        Enqueue(count, new(FaultKind.Truncate, target, HttpStatusCode.OK, null, TimeSpan.Zero, mode));

    public void Delay(int count, TimeSpan delay, TTarget target) =>
        Enqueue(count, new(FaultKind.Delay, target, HttpStatusCode.OK, null, delay, TruncationMode.EndCleanly));

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>Removes and returns the first queued fault for this request (one aimed at it, or at any), if there is one.</summary>
    public InjectedFault<TTarget>? TakeFor(TTarget target)
    {
        lock (_gate)
        {
            var index = _faults.FindIndex(f => f.Target is null || EqualityComparer<TTarget>.Default.Equals(f.Target, target));
            if (index < 0)
            {
                return null;
            }

            var fault = _faults[index];
            _faults.RemoveAt(index);
            return fault;
        }
    }

    /// <summary>Sets Retry-After in whole seconds, as the providers send it.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan? retryAfter)
    {
        if (retryAfter is { } value)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Writes <paramref name="body"/> whole, or, for a truncation fault, half of it ended as its mode says.</summary>
    public static async Task WriteBodyAsync(HttpContext context, byte[] body, InjectedFault<TTarget>? fault, CancellationToken cancellationToken)
    {
        var response = context.Response;
        if (fault?.Kind != FaultKind.Truncate)
        {
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, cancellationToken);
            return;
        }

        var half = body.AsMemory(0, body.Length / 2);
        switch (fault.Mode)
        {
            case TruncationMode.EndCleanly:
                // No Content-Length: the body is chunked and ends properly after half of it.
                await response.Body.WriteAsync(half, cancellationToken);
                return;

            case TruncationMode.AbortConnection:
                response.ContentLength = body.Length;
                await response.Body.WriteAsync(half, cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                await Task.Delay(AbortGrace, cancellationToken);
                context.Abort();
                return;

            case TruncationMode.Stall:
                response.ContentLength = body.Length;
                await response.Body.WriteAsync(half, cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return;
        }
    }

    private void Enqueue(int count, InjectedFault<TTarget> fault)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _faults.Add(fault);
            }
        }
    }
}
