using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Observability.Tests;

/// <summary>
/// The deployment files against the README and each other: every deployable the README's "Running the full stack"
/// table names is in docker-compose.yml and k8s/base with its HTTP/1.1 port wired (Http1Urls, probes, Prometheus),
/// its appsettings.json gives the documented default, and the README's plain curl quote works as written.
/// (Whether the files are valid compose and Kubernetes is test.sh's deployment checks' job.)
/// </summary>
public sealed partial class DeploymentFilesTests(ObservedServer server)
{
    private static string Repo(params string[] path) => Path.Combine([AppContext.BaseDirectory, "repo", .. path]);

    public sealed record Deployable(string Project, string Service, string Http1Default);

    /// <summary>The rows of the table after the <c>&lt;!-- deployables --&gt;</c> marker in README.md.</summary>
    public static IReadOnlyList<Deployable> ReadmeDeployables()
    {
        var lines = File.ReadAllLines(Repo("README.md"));
        var start = Array.FindIndex(lines, l => l.Trim() == "<!-- deployables -->");
        Assert.True(start >= 0, "README.md has no <!-- deployables --> table.");
        var rows = new List<Deployable>();
        foreach (var line in lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim().Trim('`')).ToArray();
            if (cells[0] is "Deployable" || cells[0].StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            rows.Add(new Deployable(cells[0], cells[1], cells[4]));
        }

        return rows;
    }

    [Fact]
    public void The_README_names_every_deployable_and_only_deployables()
    {
        // A deployable is a service with a default HTTP/1.1 port of its own (appsettings.json, Deployable.targets).
        var projects = Directory.GetDirectories(Repo("services"))
            .Where(d => File.Exists(Path.Combine(d, "appsettings.json")))
            .Select(d => new DirectoryInfo(d).Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["Aws.Pricing", "Azure.Pricing", "Dashboard", "Gcp.Pricing", "Quotes"], projects);
        Assert.Equal(projects, ReadmeDeployables().Select(d => d.Project).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void Every_deployable_has_its_documented_HTTP_1_1_port_in_appsettings()
    {
        foreach (var d in ReadmeDeployables())
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Repo("services", d.Project, "appsettings.json")));
            Assert.Equal(d.Http1Default, json.RootElement.GetProperty("Http1Urls").GetString());
        }
    }

    [Fact]
    public void Every_deployable_is_in_docker_compose_with_its_HTTP_1_1_port_and_a_ready_health_check()
    {
        var services = Map(LoadYaml(Repo("docker-compose.yml")).Single())["services"];
        foreach (var d in ReadmeDeployables())
        {
            Assert.True(Map(services).ContainsKey(d.Service), $"docker-compose.yml has no service {d.Service}.");
            var service = Map(Map(services)[d.Service]);
            Assert.Equal(d.Project, Text(Map(Map(service["build"])["args"])["PROJECT"]));
            var environment = Map(service["environment"]);
            Assert.Equal("http://+:8081", Text(environment["Http1Urls"]));
            Assert.Equal("8080", Text(environment["ASPNETCORE_HTTP_PORTS"]));
            Assert.Contains("/health/ready", Strings(Map(service["healthcheck"])["test"]));
            Assert.Equal("true", Text(service["read_only"]));
        }

        // Published on the host: Quotes' gRPC port and the Dashboard, on loopback by default, nothing else.
        var published = Map(services)
            .Where(s => Map(s.Value).ContainsKey("ports"))
            .ToDictionary(s => Text(s.Key), s => Strings(Map(s.Value)["ports"]));
        Assert.Equal(["dashboard", "quotes"], published.Keys.Order(StringComparer.Ordinal).ToList());
        Assert.All(published.Values.SelectMany(p => p), p => Assert.StartsWith("${BIND_ADDRESS:-127.0.0.1}:", p, StringComparison.Ordinal));
        Assert.EndsWith(":8080", Assert.Single(published["quotes"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_deployable_is_in_the_k8s_base_probed_and_scraped_on_its_HTTP_1_1_port()
    {
        var objects = Directory.GetFiles(Repo("k8s", "base"), "*.yaml").SelectMany(LoadYaml).Select(Map).ToList();
        var config = File.ReadAllText(Repo("k8s", "base", "kustomization.yaml"));
        Assert.Contains("- Http1Urls=http://+:8081", config, StringComparison.Ordinal);
        var prometheus = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "prometheus.yml"));
        foreach (var d in ReadmeDeployables())
        {
            var deployment = objects.SingleOrDefault(o => Text(o["kind"]) == "Deployment" && Text(Map(o["metadata"])["name"]) == d.Service)
                ?? throw new InvalidOperationException($"k8s/base has no Deployment {d.Service}.");
            var pod = Map(Map(Map(deployment["spec"])["template"])["spec"]);
            var container = Map(Assert.Single(Seq(pod["containers"])));
            Assert.Contains(Seq(container["ports"]).Select(Map), p => Text(p["name"]) == "http1" && Text(p["containerPort"]) == "8081");
            Assert.Equal("/health/live", Text(Map(Map(container["livenessProbe"])["httpGet"])["path"]));
            Assert.Equal("http1", Text(Map(Map(container["livenessProbe"])["httpGet"])["port"]));
            Assert.Equal("/health/ready", Text(Map(Map(container["readinessProbe"])["httpGet"])["path"]));
            Assert.Equal("http1", Text(Map(Map(container["readinessProbe"])["httpGet"])["port"]));
            var security = Map(container["securityContext"]);
            Assert.Equal("true", Text(security["readOnlyRootFilesystem"]));
            Assert.Equal("false", Text(security["allowPrivilegeEscalation"]));
            Assert.Equal(["ALL"], Strings(Map(security["capabilities"])["drop"]));
            Assert.Equal("true", Text(Map(pod["securityContext"])["runAsNonRoot"]));
            Assert.Matches(@":\d+\.\d+\.\d+$", Text(container["image"]));
            Assert.Contains(objects, o => Text(o["kind"]) == "PodDisruptionBudget" && Text(Map(o["metadata"])["name"]) == d.Service);
            Assert.Contains($"\"{d.Service}:8081\"", prometheus, StringComparison.Ordinal);
        }

        Assert.Contains(objects, o => Text(o["kind"]) == "HorizontalPodAutoscaler" && Text(Map(o["metadata"])["name"]) == "quotes");
        Assert.Contains(objects, o => Text(o["kind"]) == "NetworkPolicy" && Text(Map(o["metadata"])["name"]) == "default-deny");
    }

    [Fact]
    public async Task The_README_curl_quote_gets_a_quote_over_HTTP_1_1()
    {
        var ct = TestContext.Current.CancellationToken;
        var curl = ReadmeCurlQuote();
        // The README's call exactly, sent to the embedded server's HTTP/1.1 port instead of the one it names.
        var url = new UriBuilder(curl.Url) { Host = new Uri(server.Http1Address).Host, Port = new Uri(server.Http1Address).Port }.Uri;
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(new HttpMethod(curl.Method), url)
        {
            Content = new StringContent(curl.Body, Encoding.UTF8, curl.ContentType),
        };
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal(HttpVersion.Version11, response.Version);
        using var json = JsonDocument.Parse(body);
        var options = json.RootElement.GetProperty("options");
        Assert.True(options.GetArrayLength() > 0, body);
        using var sent = JsonDocument.Parse(curl.Body);
        var asked = sent.RootElement.GetProperty("acceleratorIds").EnumerateArray().Select(a => a.GetString()).ToHashSet();
        Assert.All(options.EnumerateArray(), o => Assert.Contains(o.GetProperty("acceleratorId").GetString(), asked));
        Assert.True(json.RootElement.GetProperty("totalFlops").GetDouble() > 0);
    }

    public sealed record CurlCall(string Method, string Url, string ContentType, string Body);

    /// <summary>The README's `curl … /v1/quotes:training-run …` command (backslash continuations joined).</summary>
    public static CurlCall ReadmeCurlQuote()
    {
        var readme = File.ReadAllText(Repo("README.md")).Replace("\\\n", " ", StringComparison.Ordinal);
        var line = readme.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("curl ", StringComparison.Ordinal) && l.Contains("/v1/quotes:training-run", StringComparison.Ordinal));
        Assert.True(line is not null, "README.md has no curl call of /v1/quotes:training-run.");
        var curl = CurlParts().Match(line);
        Assert.True(curl.Success, $"Not the expected shape (curl -s -X POST URL -H 'Content-Type: …' -d '…'): {line}");
        Assert.DoesNotContain("--http2", line, StringComparison.Ordinal);
        return new CurlCall(curl.Groups["method"].Value, curl.Groups["url"].Value, curl.Groups["type"].Value, curl.Groups["body"].Value);
    }

    [GeneratedRegex(@"curl\s+-s\s+-X\s+(?<method>[A-Z]+)\s+(?<url>http://\S+)\s+-H\s+'Content-Type:\s*(?<type>[^']+)'\s+-d\s+'(?<body>[^']+)'")]
    private static partial Regex CurlParts();

    // YAML as plain objects: mappings are Dictionary<object, object>, sequences List<object>, scalars strings.
    // MergingParser resolves the compose file's anchors and merge keys (<<: *deployable).
    private static IEnumerable<object> LoadYaml(string path)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(File.ReadAllText(path))));
        parser.Consume<StreamStart>();
        var documents = new List<object>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<object>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    private static Dictionary<string, object> Map(object node) =>
        Assert.IsType<Dictionary<object, object>>(node).ToDictionary(e => Text(e.Key), e => e.Value);

    private static List<object> Seq(object node) => Assert.IsType<List<object>>(node);

    private static List<string> Strings(object node) => [.. Seq(node).Select(Text)];

    private static string Text(object? node) => Assert.IsType<string>(node);
}
