namespace Dashboard;

/// <summary>Where the dashboard finds the services (section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>gRPC address of Quotes (TrainingQuotes, PriceChanges).</summary>
    public string? QuotesUrl { get; set; }

    /// <summary>
    /// Provider name → gRPC address of the service hosting its ProviderCatalog. Several names may share an address
    /// (a process hosting several providers).
    /// </summary>
    public Dictionary<string, string> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Deadline of each unary gRPC call the pages make.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Changes the live feed keeps for pages that (re)connect.</summary>
    public int FeedBufferSize { get; set; } = 500;
}
