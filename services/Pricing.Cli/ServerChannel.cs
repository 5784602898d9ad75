using Grpc.Net.Client;
using Pricing.Client;

namespace Pricing.Cli;

/// <summary>
/// The channel to a running server (<c>--server</c>): with <c>--token</c> (or the environment variable
/// <see cref="TokenVariable"/>) every call carries <c>Authorization: Bearer …</c>, as a server with Auth configured
/// requires (docs/security.md). The embedded default needs none.
/// </summary>
internal static class ServerChannel
{
    public const string TokenVariable = "PRICING_TOKEN";

    public static GrpcChannel Open(string address, string? token)
    {
        token ??= Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        if (token is null)
        {
            return GrpcChannel.ForAddress(address);
        }

        var handler = new BearerTokenHandler(token) { InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
