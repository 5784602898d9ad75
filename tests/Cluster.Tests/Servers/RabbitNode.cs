using System.Globalization;

namespace Cluster.Tests.Servers;

/// <summary>One node of <see cref="RabbitCluster"/>: its name, ports and directories.</summary>
public sealed record RabbitNode(int Index, string Name, int AmqpPort, int ManagementPort, int DistPort, string Directory)
{
    public string PidFile => Path.Combine(Directory, "rabbit.pid");

    public string LogFile => Path.Combine(Directory, "log", $"{Name}.log");

    public string StartLog => Path.Combine(Directory, "start.log");

    public string Endpoint => $"127.0.0.1:{AmqpPort.ToString(CultureInfo.InvariantCulture)}";
}
