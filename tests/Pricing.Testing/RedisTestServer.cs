using StackExchange.Redis;
using Testcontainers.Redis;
using Xunit;

namespace Pricing.Testing;

/// <summary>
/// A Redis server for tests. In order: <c>PRICING_TEST_REDIS</c> (a StackExchange.Redis configuration
/// string, set by ./test.sh); else a Testcontainers <c>redis:7.2</c> container where a Docker engine answers;
/// else <see cref="SkipReason"/> is set (or, with <c>CI</c> set, initialisation fails).
/// Every key a test writes should start with <see cref="KeyPrefix"/>; those keys are deleted on dispose.
/// </summary>
public sealed class RedisTestServer : IAsyncLifetime
{
    public const string ConnectionStringVariable = "PRICING_TEST_REDIS";
    public const string KeyPrefixVariable = "PRICING_TEST_REDIS_PREFIX";
    public const string ContainerImage = "redis:7.2";

    private RedisContainer? _container;

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>
    /// Key prefix unique to this fixture instance: <c>PRICING_TEST_REDIS_PREFIX</c> (the run's prefix) followed
    /// by a short random segment, or <c>pricing-test-{guid}:</c> without it. The extra segment keeps the cleanup
    /// of one test project from deleting the keys of another one running in parallel in the same run.
    /// </summary>
    public string KeyPrefix { get; } =
        TestInfrastructure.Variable(KeyPrefixVariable) is { } runPrefix
            ? $"{runPrefix}{Guid.NewGuid().ToString("N")[..8]}:"
            : $"pricing-test-{Guid.NewGuid():N}:";

    /// <summary>Why Redis is unavailable; null when it is available.</summary>
    public string? SkipReason { get; private set; }

    public bool IsAvailable => SkipReason is null && ConnectionString.Length > 0;

    public async ValueTask InitializeAsync()
    {
        if (TestInfrastructure.Variable(ConnectionStringVariable) is { } fromEnvironment)
        {
            ConnectionString = fromEnvironment;
            return;
        }

        try
        {
            // Build() throws DockerUnavailableException at once when no Docker engine answers.
            _container = new RedisBuilder(ContainerImage).Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await _container.StartAsync(timeout.Token);
            ConnectionString = _container.GetConnectionString();
        }
        catch (Exception ex)
        {
            await DisposeContainerAsync();
            ConnectionString = "";
            SkipReason = TestInfrastructure.Unavailable("Redis", ConnectionStringVariable, ex);
        }
    }

    /// <summary>Skips the calling test (xunit v3 <c>Assert.Skip</c>) when Redis is unavailable.</summary>
    public void SkipIfUnavailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsAvailable && _container is null)
        {
            // A shared server outlives the run: remove what the tests wrote. (A container is simply thrown away.)
            await DeleteKeysAsync();
        }

        await DisposeContainerAsync();
    }

    /// <summary>Deletes every key under <see cref="KeyPrefix"/> (SCAN + DEL) on every reachable primary.</summary>
    public Task DeleteKeysAsync() =>
        // The server may have been stopped by a fault test; a throwaway server takes the keys with it.
        RedisKeys.DeleteUnderPrefixAsync(ConnectionString, KeyPrefix, "Pricing.Testing");

    private async ValueTask DisposeContainerAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
            _container = null;
        }
    }
}

/// <summary>Removes what a run wrote to a shared Redis: every key under one prefix.</summary>
public static class RedisKeys
{
    /// <summary>
    /// SCAN + DEL of every key under <paramref name="prefix"/> on every reachable primary. A failure is reported on
    /// stderr under <paramref name="who"/> and not thrown: cleaning up must not fail the run it follows.
    /// </summary>
    public static async Task DeleteUnderPrefixAsync(string connectionString, string prefix, string who)
    {
        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 5000;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
            var database = redis.GetDatabase();
            var pattern = EscapeGlob(prefix) + "*";
            foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                var batch = new List<RedisKey>(500);
                await foreach (var key in server.KeysAsync(database.Database, pattern, pageSize: 500))
                {
                    batch.Add(key);
                    if (batch.Count == 500)
                    {
                        await database.KeyDeleteAsync([.. batch]);
                        batch.Clear();
                    }
                }

                if (batch.Count > 0)
                {
                    await database.KeyDeleteAsync([.. batch]);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Console.Error.WriteLine($"{who}: could not delete Redis keys under '{prefix}': {ex.Message}");
        }
    }

    private static string EscapeGlob(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
