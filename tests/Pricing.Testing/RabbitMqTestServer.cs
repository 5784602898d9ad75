using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Testcontainers.RabbitMq;
using Xunit;

namespace Pricing.Testing;

/// <summary>
/// A RabbitMQ broker for tests. In order: <c>PRICING_TEST_RABBITMQ</c> (an amqp URI, set by ./test.sh);
/// else a Testcontainers <c>rabbitmq:3.13-management</c> container where a Docker engine answers;
/// else <see cref="SkipReason"/> is set (or, with <c>CI</c> set, initialisation fails).
/// Use it as a class, collection or assembly fixture and call <see cref="SkipIfUnavailable"/> in each test.
/// </summary>
public sealed class RabbitMqTestServer : IAsyncLifetime
{
    public const string ConnectionStringVariable = "PRICING_TEST_RABBITMQ";
    public const string ManagementVariable = "PRICING_TEST_RABBITMQ_MANAGEMENT";
    public const string ContainerImage = "rabbitmq:3.13-management";

    private const int ManagementPort = 15672;
    private const string ContainerUser = "pricing";
    private const string ContainerPassword = "pricing";

    private readonly List<string> _createdVirtualHosts = [];
    private RabbitMqContainer? _container;
    private HttpClient? _management;

    /// <summary>The amqp URI of the broker (for the vhost of this run when it comes from ./test.sh).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Why the broker is unavailable; null when it is available.</summary>
    public string? SkipReason { get; private set; }

    public bool IsAvailable => SkipReason is null && ConnectionString.Length > 0;

    public async ValueTask InitializeAsync()
    {
        if (TestInfrastructure.Variable(ConnectionStringVariable) is { } fromEnvironment)
        {
            ConnectionString = fromEnvironment;
            var management = TestInfrastructure.Variable(ManagementVariable) is { } m
                ? new Uri(m)
                : DefaultManagementUri(new Uri(fromEnvironment));
            _management = CreateManagementClient(management);
            return;
        }

        try
        {
            // Build() throws DockerUnavailableException at once when no Docker engine answers.
            _container = new RabbitMqBuilder(ContainerImage)
                .WithUsername(ContainerUser)
                .WithPassword(ContainerPassword)
                .WithPortBinding(ManagementPort, assignRandomHostPort: true)
                .Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await _container.StartAsync(timeout.Token);
            ConnectionString = _container.GetConnectionString();
            var management = new UriBuilder(Uri.UriSchemeHttp, _container.Hostname, _container.GetMappedPublicPort(ManagementPort))
            {
                UserName = ContainerUser,
                Password = ContainerPassword,
            }.Uri;
            _management = CreateManagementClient(management);
        }
        catch (Exception ex)
        {
            await DisposeContainerAsync();
            ConnectionString = "";
            SkipReason = TestInfrastructure.Unavailable("RabbitMQ", ConnectionStringVariable, ex);
        }
    }

    /// <summary>Skips the calling test (xunit v3 <c>Assert.Skip</c>) when the broker is unavailable.</summary>
    public void SkipIfUnavailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    /// <summary>
    /// Creates a fresh virtual host through the management HTTP API, gives the connection string's user
    /// full permissions on it, and returns the amqp URI for it. The vhost is deleted on dispose.
    /// The name must not exist yet (include something unique, e.g. a Guid).
    /// </summary>
    public async Task<string> CreateVirtualHostAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        SkipIfUnavailable();
        var http = _management ?? throw new InvalidOperationException("The RabbitMQ test server is not initialised.");
        var baseUri = new Uri(ConnectionString);
        var (user, _) = Credentials(baseUri);
        var vhostPath = $"api/vhosts/{Uri.EscapeDataString(name)}";

        using (var existing = await http.GetAsync(vhostPath))
        {
            if (existing.StatusCode != HttpStatusCode.NotFound)
            {
                existing.EnsureSuccessStatusCode();
                throw new InvalidOperationException($"RabbitMQ vhost '{name}' already exists; use a unique name.");
            }
        }

        using (var created = await http.PutAsync(vhostPath, Json("{}")))
        {
            await EnsureSuccessAsync(created, $"create vhost '{name}'");
        }

        _createdVirtualHosts.Add(name);

        var permissionsPath = $"api/permissions/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(user)}";
        using (var permitted = await http.PutAsync(permissionsPath, Json("""{"configure":".*","write":".*","read":".*"}""")))
        {
            await EnsureSuccessAsync(permitted, $"grant '{user}' permissions on vhost '{name}'");
        }

        return WithVirtualHost(baseUri, name);
    }

    /// <summary>
    /// Closes, as an operator would from the management UI, every client connection on <paramref name="vhostName"/>
    /// whose client-provided name contains <paramref name="nameContains"/>; waits up to 15 s for one to show up, and
    /// returns how many were closed.
    /// </summary>
    public async Task<int> CloseConnectionsAsync(string vhostName, string nameContains)
    {
        var http = _management ?? throw new InvalidOperationException("The RabbitMQ test server is not initialised.");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            using var listed = await http.GetAsync($"api/vhosts/{Uri.EscapeDataString(vhostName)}/connections");
            await EnsureSuccessAsync(listed, $"list connections of vhost '{vhostName}'");
            using var document = System.Text.Json.JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
            var names = document.RootElement.EnumerateArray()
                .Where(c => c.TryGetProperty("client_properties", out var client) && client.TryGetProperty("connection_name", out var given)
                    && given.GetString()?.Contains(nameContains, StringComparison.Ordinal) == true)
                .Select(c => c.GetProperty("name").GetString()!)
                .ToList();
            if (names.Count > 0 || DateTime.UtcNow > deadline)
            {
                foreach (var name in names)
                {
                    using var closed = await http.DeleteAsync($"api/connections/{Uri.EscapeDataString(name)}");
                    await EnsureSuccessAsync(closed, $"close connection '{name}'");
                }

                return names.Count;
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_management is not null)
        {
            foreach (var name in _createdVirtualHosts)
            {
                try
                {
                    using var response = await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // The broker may have been stopped by a fault test; the vhost dies with a throwaway broker.
                    Console.Error.WriteLine($"Pricing.Testing: could not delete RabbitMQ vhost '{name}': {ex.Message}");
                }
            }

            _createdVirtualHosts.Clear();
            _management.Dispose();
            _management = null;
        }

        await DisposeContainerAsync();
    }

    private async ValueTask DisposeContainerAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
            _container = null;
        }
    }

    private static HttpClient CreateManagementClient(Uri management)
    {
        var (user, password) = Credentials(management);
        var client = new HttpClient
        {
            BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority) + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    /// <summary>The management API on port 15672 of the broker's host, with the amqp URI's credentials.</summary>
    private static Uri DefaultManagementUri(Uri amqp) =>
        new UriBuilder(Uri.UriSchemeHttp, amqp.Host, ManagementPort)
        {
            UserName = Uri.EscapeDataString(Credentials(amqp).User),
            Password = Uri.EscapeDataString(Credentials(amqp).Password),
        }.Uri;

    /// <summary>User and password from a URI's user info; guest/guest (RabbitMQ's default) when absent.</summary>
    private static (string User, string Password) Credentials(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo))
        {
            return ("guest", "guest");
        }

        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    private static string WithVirtualHost(Uri amqp, string vhost) =>
        amqp.GetComponents(UriComponents.Scheme | UriComponents.UserInfo | UriComponents.HostAndPort, UriFormat.UriEscaped)
        + "/" + Uri.EscapeDataString(vhost) + amqp.Query;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException(
                $"RabbitMQ management API: could not {what}: {(int)response.StatusCode} {response.ReasonPhrase} {body}");
        }
    }
}
