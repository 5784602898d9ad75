using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Tests.Load;

/// <summary>
/// gRPC channels over several Quotes replicas, as a client behind a Kubernetes Service has them: client-side load
/// balancing over a static address list, the caller's bearer token on every call.
/// </summary>
public static class QuotesChannels
{
    /// <summary>
    /// Round robin over every replica, with gRPC's retry policy for UNAVAILABLE (a replica that died mid-call): how a
    /// well-behaved caller of a replicated service is configured.
    /// </summary>
    public static GrpcChannel RoundRobin(IEnumerable<string> addresses, string token) =>
        Create(addresses, token, new RoundRobinConfig(), new MethodConfig
        {
            Names = { MethodName.Default },
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 5,
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        });

    /// <summary>The first address while it answers, then the next: a watcher's home replica, and where it goes when that one dies.</summary>
    public static GrpcChannel PickFirst(IEnumerable<string> addresses, string token) => Create(addresses, token, new PickFirstConfig(), null);

    private static GrpcChannel Create(IEnumerable<string> addresses, string token, LoadBalancingConfig balancing, MethodConfig? method)
    {
        var endpoints = addresses.Select(a => new Uri(a)).Select(u => new BalancerAddress(u.Host, u.Port)).ToList();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => endpoints));
        var config = new ServiceConfig { LoadBalancingConfigs = { balancing } };
        if (method is not null)
        {
            config.MethodConfigs.Add(method);
        }

        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("Authorization", $"Bearer {token}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress("static:///quotes", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials),
            UnsafeUseInsecureChannelCallCredentials = true,
            ServiceProvider = services.BuildServiceProvider(),
            ServiceConfig = config,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                // A dead replica's connection is noticed by the keep-alive too, not only by the next call.
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            },
            DisposeHttpClient = true,
        });
    }
}
