using System.Collections.Frozen;
using System.Globalization;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pricing.ServiceDefaults;

/// <summary>
/// A server-side deadline on every unary gRPC call: a request without <c>grpc-timeout</c>, or with a longer one, gets
/// <see cref="PricingLimitsOptions.MaxUnaryCallDuration"/> written into that header before gRPC reads it, so gRPC's own
/// deadline handling cancels the call and answers <c>DeadlineExceeded</c>. Streaming calls keep the client's deadline
/// (a watch runs for as long as its caller wants; the stream caps bound how many).
/// </summary>
public sealed class UnaryDeadlines(EndpointDataSource endpoints, TimeSpan max)
{
    private FrozenDictionary<string, MethodType>? _methods;

    public void Apply(HttpRequest request)
    {
        if (!GrpcErrorResponse.IsGrpc(request) || !Methods().TryGetValue(request.Path.Value ?? "", out var type) || type != MethodType.Unary)
        {
            return;
        }

        var asked = TimeoutOf(request.Headers["grpc-timeout"].ToString());
        if (asked is null || asked > max)
        {
            request.Headers["grpc-timeout"] = ((long)Math.Max(1, max.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "m";
        }
    }

    /// <summary>The gRPC timeout header (digits and a unit: H, M, S, m, u, n); null when absent or malformed.</summary>
    public static TimeSpan? TimeoutOf(string header)
    {
        if (header.Length < 2 || !long.TryParse(header.AsSpan(0, header.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        try
        {
            return header[^1] switch
            {
                'H' => TimeSpan.FromHours(value),
                'M' => TimeSpan.FromMinutes(value),
                'S' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMilliseconds(value),
                'u' => TimeSpan.FromMicroseconds(value),
                'n' => TimeSpan.FromTicks(value / 100),
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            // Longer than TimeSpan holds (the header allows 8 digits, clients send more): longer than any maximum.
            return TimeSpan.MaxValue;
        }
        catch (OverflowException)
        {
            return TimeSpan.MaxValue;
        }
    }

    // The gRPC endpoints are all mapped once the app runs; read their method types on the first call.
    private FrozenDictionary<string, MethodType> Methods() => _methods ??= endpoints.Endpoints
        .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>())
        .OfType<GrpcMethodMetadata>()
        // FullName is already the path, "/package.Service/Method"; routing matches paths ignoring case, so must this.
        .GroupBy(m => m.Method.FullName, StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(g => g.Key, g => g.First().Method.Type, StringComparer.OrdinalIgnoreCase);
}
