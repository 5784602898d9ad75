using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Pricing.Benchmarks;

/// <summary>
/// Which types the process allocates most, sampled from the runtime's <c>GCAllocationTick</c> events (one per ~100 KB
/// allocated, naming the type that crossed the mark): in-process, so a suite can say where its collections come from
/// without a tracing tool. On with <c>PRICING_BENCH_ALLOCATIONS=1</c>.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _counting;

    public static AllocationSampler? StartIfAsked() =>
        Environment.GetEnvironmentVariable("PRICING_BENCH_ALLOCATIONS") is { Length: > 0 } ? new AllocationSampler() : null;

    /// <summary>Counts from now on (what came before, the warm-up, is dropped).</summary>
    public void Restart()
    {
        _bytesByType.Clear();
        _counting = true;
    }

    /// <summary>The <paramref name="top"/> types by sampled bytes, as lines of "share, type".</summary>
    public IEnumerable<string> Top(int top)
    {
        _counting = false;
        var total = Math.Max(1, _bytesByType.Values.Sum());
        return _bytesByType.OrderByDescending(t => t.Value).Take(top)
            .Select(t => FormattableString.Invariant($"{100.0 * t.Value / total,5:F1} %  {t.Key}"));
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        // GCAllocationTick_V4 (id 10): AllocationAmount, AllocationKind, ..., TypeName, ...
        if (!_counting || e.EventId != 10 || e.Payload is null || e.PayloadNames is null)
        {
            return;
        }

        var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
