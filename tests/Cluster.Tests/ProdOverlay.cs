using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Cluster.Tests;

/// <summary>
/// What the k8s prod overlay sets, read from the files themselves (k8s/overlays/prod, k8s/infra/ha), so the suite runs
/// the broker, the cache and the services with the settings a deployment gets, not a copy that could drift:
/// the broker's queue policies and additional configuration, the Sentinels' failover settings and Redis' persistence,
/// the number of Quotes replicas, and the shape of the two connection settings (a node list, a Sentinel list with a
/// service name).
/// </summary>
public sealed record ProdOverlay(
    IReadOnlyList<string> ClusterNodes,
    string SentinelServiceName,
    int SentinelCount,
    IReadOnlyList<RabbitPolicy> Policies,
    IReadOnlyList<string> RabbitConfigLines,
    IReadOnlyList<string> SentinelDirectives,
    IReadOnlyList<string> RedisArguments,
    int QuotesReplicas)
{
    public static ProdOverlay Read(string repositoryRoot)
    {
        var k8s = Path.Combine(repositoryRoot, "k8s");
        var literals = Documents(Path.Combine(k8s, "overlays/prod/kustomization.yaml"))
            .SelectMany(d => Sequence(d, "configMapGenerator"))
            .SelectMany(g => Sequence((YamlMappingNode)g, "literals"))
            .Select(l => ((YamlScalarNode)l).Value!)
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var nodes = literals["RabbitMq__ClusterNodes"].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var redisEndpoints = literals["REDIS_ENDPOINTS"].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var serviceName = redisEndpoints.Single(e => e.StartsWith("serviceName=", StringComparison.Ordinal))["serviceName=".Length..];
        var sentinels = redisEndpoints.Count(e => !e.Contains('=', StringComparison.Ordinal));

        var broker = Documents(Path.Combine(k8s, "infra/ha/rabbitmq-cluster.yaml")).ToList();
        var policies = broker.Where(d => Scalar(d, "kind") == "Policy").Select(d =>
        {
            var spec = (YamlMappingNode)d.Children[new YamlScalarNode("spec")];
            var definition = ((YamlMappingNode)spec.Children[new YamlScalarNode("definition")]).Children
                .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (object)ParseScalar(((YamlScalarNode)p.Value).Value!));
            return new RabbitPolicy(Scalar(spec, "name")!, Scalar(spec, "vhost")!, Scalar(spec, "pattern")!, Scalar(spec, "applyTo")!,
                int.Parse(Scalar(spec, "priority")!, System.Globalization.CultureInfo.InvariantCulture), definition);
        }).ToList();
        var cluster = broker.Single(d => Scalar(d, "kind") == "RabbitmqCluster");
        var additional = Scalar((YamlMappingNode)((YamlMappingNode)cluster.Children[new YamlScalarNode("spec")]).Children[new YamlScalarNode("rabbitmq")], "additionalConfig")!;
        var configLines = additional.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        var scripts = Documents(Path.Combine(k8s, "infra/ha/redis-sentinel.yaml")).Single(d => Scalar(d, "kind") == "ConfigMap");
        var data = (YamlMappingNode)scripts.Children[new YamlScalarNode("data")];
        var sentinelScript = Scalar(data, "sentinel.sh")!;
        // The directives about the monitored primary, with the deployment's names and password left out.
        var directives = sentinelScript.Split('\n').Select(l => l.Trim())
            .Where(l => Regex.IsMatch(l, @"^sentinel (down-after-milliseconds|failover-timeout|parallel-syncs) pricing \d+$"))
            .ToList();
        var quorum = Regex.Match(sentinelScript, @"sentinel monitor pricing \S+ \d+ (\d+)").Groups[1].Value;
        directives.Insert(0, $"quorum {quorum}");
        var redisScript = Scalar(data, "redis.sh")!;
        var redisArguments = Regex.Matches(redisScript, @"--(appendonly|appendfsync) (\S+)").Select(m => $"--{m.Groups[1].Value} {m.Groups[2].Value}")
            .SelectMany(a => a.Split(' ')).ToList();

        var quotes = Documents(Path.Combine(k8s, "overlays/prod/quotes-prod.yaml")).Single(d => Scalar(d, "kind") == "Deployment");
        var replicas = int.Parse(Scalar((YamlMappingNode)quotes.Children[new YamlScalarNode("spec")], "replicas")!, System.Globalization.CultureInfo.InvariantCulture);
        return new ProdOverlay(nodes, serviceName, sentinels, policies, configLines, directives, redisArguments, replicas);
    }

    /// <summary>The Sentinel directive value for <paramref name="name"/> (e.g. down-after-milliseconds).</summary>
    public string Sentinel(string name) =>
        name == "quorum"
            ? SentinelDirectives[0].Split(' ')[1]
            : SentinelDirectives.Single(d => d.StartsWith($"sentinel {name} ", StringComparison.Ordinal)).Split(' ')[^1];

    private static IEnumerable<YamlMappingNode> Documents(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>();
    }

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence ? sequence.Children : [];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static object ParseScalar(string value) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : value;
}

/// <summary>A RabbitMQ policy as the Messaging Topology Operator's Policy declares it.</summary>
public sealed record RabbitPolicy(string Name, string VirtualHost, string Pattern, string ApplyTo, int Priority, IReadOnlyDictionary<string, object> Definition);
