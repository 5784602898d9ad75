// The suite starts Debian's rabbitmq-server and redis-server and signals processes by pid: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
