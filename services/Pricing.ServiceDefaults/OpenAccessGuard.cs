using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pricing.ServiceDefaults;

/// <summary>
/// Registered when authentication is off. Once Kestrel has bound, it checks every address: all loopback, and the
/// service says at start that it is open (the embedded default); any other address, and the host refuses to start.
/// Until that check has passed, requests are answered 503, so not one is served on an open non-loopback port.
/// A host without a server (a worker, or a provider composed without Kestrel in tests) listens nowhere: nothing to check.
/// </summary>
public sealed class OpenAccessGuard(IServiceProvider services, ILogger<OpenAccessGuard> logger) : IHostedLifecycleService
{
    private volatile bool _checked;

    public bool Checked => _checked;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(IServer)) is not IServer server)
        {
            _checked = true;
            return Task.CompletedTask;
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        var exposed = addresses.Where(a => !IsLoopback(a)).ToList();
        if (exposed.Count > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to start: authentication is not configured and the service listens on {string.Join(", ", exposed)}, which is not loopback. "
                + "Set Auth:SigningKey (base64, at least 32 bytes) or Auth:Authority (see docs/security.md), or listen on 127.0.0.1 / localhost only.");
        }

        logger.LogInformation(
            "Authentication is off (no Auth:SigningKey or Auth:Authority): every API, including POST /admin/scrape, is open to anyone on this machine at {Addresses}. Allowed because every address is loopback.",
            string.Join(", ", addresses));
        _checked = true;
        return Task.CompletedTask;
    }

    /// <summary>localhost, 127.0.0.0/8 and ::1; wildcards (*, +, 0.0.0.0, [::]) and every other host are not.</summary>
    public static bool IsLoopback(string address)
    {
        var host = BindingAddress.Parse(address).Host;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
