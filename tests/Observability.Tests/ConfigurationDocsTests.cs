using System.Collections;
using System.Reflection;
using Aws.Pricing;
using Aws.Pricing.Notifications;
using Azure.Pricing;
using Dashboard;
using Gcp.Pricing;
using Pricing.ServiceDefaults;
using Pricing.Sources;
using Pricing.Standalone;
using Quotes.Extensions;
using Quotes.History;
using Quotes.PastPrices;
using Quotes.Sync;

namespace Observability.Tests;

/// <summary>
/// docs/configuration.md (with docs/security.md for <c>Auth</c> and <c>Limits</c>) says it lists every setting: every
/// property of every options class bound from configuration, and every other key the code reads, must be on one of
/// them, so the table cannot drift from the code again.
/// </summary>
public sealed class ConfigurationDocsTests
{
    /// <summary>The options classes bound with <c>BindConfiguration(X.Section)</c> in services/.</summary>
    private static readonly Type[] BoundOptions =
    [
        typeof(QuotesOptions), typeof(PriceHistoryOptions), typeof(CatalogAsOfOptions), typeof(ScrapeOptions),
        typeof(AwsPricingOptions), typeof(AwsNotificationOptions), typeof(GcpPricingOptions), typeof(AzurePricingOptions),
        typeof(DashboardOptions), typeof(PricingAuthOptions), typeof(PricingLimitsOptions),
    ];

    /// <summary>The HTTP clients whose resilience binds from <c>Http:{name}</c> (SourcesExtensions.AddProviderHttpClient).</summary>
    private static readonly string[] ProviderHttpClients =
        [AwsPriceListSource.HttpClientName, GcpCloudBillingSource.HttpClientName, AzureRetailPriceSource.HttpClientName];

    private static readonly string[] HttpClientSettings = ["MaxRetries", "RetryBaseDelay", "AttemptTimeout", "TotalTimeout"];

    /// <summary>Keys read directly (<c>Configuration[...]</c>, <c>GetConnectionString</c>), not through an options class.</summary>
    private static IEnumerable<string> DirectKeys() =>
    [
        $"ConnectionStrings:{MessagingExtensions.RabbitMqConnectionName}",
        $"ConnectionStrings:{QuotesExtensions.RedisConnectionName}",
        MessagingExtensions.ClusterNodesKey,
        "Messaging:Transport",
        "Redis:KeyPrefix",
        "OTEL_SERVICE_NAME",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        ServiceDefaultsExtensions.TracingKey,
        ServiceDefaultsExtensions.Http1UrlsKey,
        StandaloneDashboard.EnabledKey,
        StandaloneDashboard.UrlKey,
        StandaloneEndpoints.JsonApiUrlKey,
    ];

    [Fact]
    public void Every_options_class_in_the_services_assemblies_is_checked()
    {
        // A new options class (a type with a public const Section) in one of these assemblies must join BoundOptions.
        var found = BoundOptions.Select(t => t.Assembly).Distinct()
            .SelectMany(a => a.GetTypes())
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true, FieldType: var f } && f == typeof(string))
            .ToHashSet();
        Assert.NotEmpty(found);
        Assert.Empty(found.Except(BoundOptions).Select(t => t.FullName));
    }

    [Fact]
    public void Every_bound_options_property_is_documented()
    {
        var docs = Docs();
        var missing = BoundOptions
            .SelectMany(t => Keys((string)t.GetField("Section")!.GetRawConstantValue()!, t))
            .Where(key => !IsDocumented(docs, key))
            .ToList();
        Assert.True(missing.Count == 0, $"Missing from docs/configuration.md (or security.md): {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_directly_read_key_is_documented()
    {
        var docs = Docs();
        var missing = DirectKeys().Where(key => !IsDocumented(docs, key)).ToList();
        Assert.True(missing.Count == 0, $"Missing from docs/configuration.md: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_provider_http_clients_settings_are_documented_with_every_client_name()
    {
        // One row for the four settings of Http:<client>, naming every client that binds them.
        var row = Docs().FirstOrDefault(l => l.StartsWith('|') && l.Contains("`Http:<client>:", StringComparison.Ordinal));
        Assert.NotNull(row);
        Assert.All(HttpClientSettings, setting => Assert.Contains($"`Http:<client>:{setting}`", row, StringComparison.Ordinal));
        Assert.All(ProviderHttpClients, client => Assert.Contains($"`{client}`", row, StringComparison.Ordinal));
    }

    [Fact]
    public void The_check_fails_on_an_undocumented_key()
    {
        Assert.False(IsDocumented(Docs(), "Quotes:NoSuchSetting"));
        Assert.False(IsDocumented(Docs(), "Limits:NoSuchLimit"));
        Assert.True(IsDocumented(Docs(), "Quotes:StaleAfter"));
    }

    /// <summary>Configuration keys of an options class: its settable public properties, nested option classes flattened.</summary>
    private static IEnumerable<string> Keys(string section, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = $"{section}:{property.Name}";
            var t = property.PropertyType;
            var leaf = t.IsValueType || t == typeof(string) || t == typeof(Uri) || typeof(IEnumerable).IsAssignableFrom(t) || Nullable.GetUnderlyingType(t) is not null;
            foreach (var k in leaf ? [key] : Keys(key, t))
            {
                yield return k;
            }
        }
    }

    /// <summary>
    /// Documented: the full key appears, or a table row names the setting (<c>`Name`</c>) and either names the section
    /// in the same row (<c>`Auth:ClientCertificates:Required`, `TrustedCaFile`</c>) or sits under a heading naming it
    /// (security.md's <c>## Limits (section `Limits`, …)</c>).
    /// </summary>
    private static bool IsDocumented(IReadOnlyList<string> lines, string key)
    {
        var split = key.LastIndexOf(':');
        var (section, name) = split < 0 ? ("", key) : (key[..split], key[(split + 1)..]);
        var heading = "";
        foreach (var line in lines)
        {
            if (line.StartsWith('#'))
            {
                heading = line;
            }

            if (line.Contains(key, StringComparison.Ordinal))
            {
                return true;
            }

            if (section.Length > 0 && line.StartsWith('|') && line.Contains($"`{name}`", StringComparison.Ordinal)
                && (line.Contains($"`{section}:", StringComparison.Ordinal) || heading.Contains($"section `{section}`", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static IReadOnlyList<string> Docs() =>
        [.. File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "configuration.md")), .. File.ReadAllLines(Path.Combine(RepoRoot(), "docs", "security.md"))];

    /// <summary>The repository root: the first directory above the test's output holding Pricing.slnx and docs/.</summary>
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pricing.slnx")) && File.Exists(Path.Combine(dir.FullName, "docs", "configuration.md")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (Pricing.slnx with docs/configuration.md) above {AppContext.BaseDirectory}.");
    }
}
