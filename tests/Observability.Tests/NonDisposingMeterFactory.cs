using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Observability.Tests;

/// <summary>
/// For the short-lived hosts some tests start beside the assembly's shared <see cref="ObservedServer"/>: their meters
/// are never disposed. OpenTelemetry .NET stops exporting every same-named meter in every provider of the process
/// once one of them is disposed (open-telemetry/opentelemetry-dotnet#6412), so a short-lived host disposing its
/// "Microsoft.AspNetCore.Hosting" meter silenced the shared server's http_server_request_duration for good.
/// A handful of meters stay alive until the test process ends.
/// </summary>
public sealed class NonDisposingMeterFactory : IMeterFactory
{
    private readonly ConcurrentDictionary<string, Meter> _meters = new(StringComparer.Ordinal);

    public Meter Create(MeterOptions options)
    {
        var tags = options.Tags is null ? "" : string.Join(',', options.Tags.Select(t => $"{t.Key}={t.Value}"));
        return _meters.GetOrAdd($"{options.Name}|{options.Version}|{tags}", _ =>
        {
            options.Scope = this;
            return new Meter(options);
        });
    }

    public void Dispose()
    {
        // Deliberately nothing: see the summary.
    }
}

/// <summary>
/// The shared <see cref="ObservedServer"/>'s meters: never disposed either, and each tagged with this server's own id,
/// so no other host's same-named meter shares their metric streams in any provider of the process (a stream shared
/// with a meter another host disposes goes silent: open-telemetry/opentelemetry-dotnet#6412).
/// </summary>
public sealed class IsolatedMeterFactory : IMeterFactory
{
    private readonly string _hostId = Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<string, Meter> _meters = new(StringComparer.Ordinal);

    public Meter Create(MeterOptions options)
    {
        var tags = options.Tags is null ? "" : string.Join(',', options.Tags.Select(t => $"{t.Key}={t.Value}"));
        return _meters.GetOrAdd($"{options.Name}|{options.Version}|{tags}", _ => new Meter(new MeterOptions(options.Name)
        {
            Version = options.Version,
            Tags = [.. options.Tags ?? [], new KeyValuePair<string, object?>("test.host", _hostId)],
            Scope = this,
        }));
    }

    public void Dispose()
    {
        // Deliberately nothing: see NonDisposingMeterFactory.
    }
}
