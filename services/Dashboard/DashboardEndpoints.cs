namespace Dashboard;

/// <summary>
/// The gRPC endpoints the dashboard reads, by client name. An address is resolved when a client is first created,
/// so a host can point the dashboard at itself (the embedded default) before it knows its own port.
/// </summary>
public sealed class DashboardEndpoints
{
    public const string QuotesClientName = "dashboard-quotes";
    public const string ProviderClientPrefix = "dashboard-provider-";

    internal DashboardEndpoints(IReadOnlyList<ProviderEndpoint> providers) => Providers = providers;

    /// <summary>Provider endpoints: a named provider, or one endpoint (<see cref="ProviderEndpoint.Provider"/> null) serving every provider it hosts.</summary>
    public IReadOnlyList<ProviderEndpoint> Providers { get; }
}

/// <param name="Provider">The provider asked for at this endpoint; null asks the endpoint for every provider it hosts.</param>
/// <param name="ClientName">Name of the gRPC client (Grpc.Net.ClientFactory) for this endpoint.</param>
public sealed record ProviderEndpoint(string? Provider, string ClientName);
