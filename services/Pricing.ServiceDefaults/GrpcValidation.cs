using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Pricing.Catalog;

namespace Pricing.ServiceDefaults;

public static class GrpcValidation
{
    /// <summary>Violations listed in one error; the rest are counted in a last "and N more" entry.</summary>
    public const int MaxViolations = 20;

    /// <summary>Longest field path kept (characters).</summary>
    public const int MaxFieldLength = 128;

    /// <summary>Longest description kept (characters): enough for any rule, short of echoing a huge input.</summary>
    public const int MaxDescriptionLength = 300;

    /// <summary>Longest summary message (the <c>grpc-message</c> header).</summary>
    public const int MaxMessageLength = 1000;

    /// <summary>
    /// <c>InvalidArgument</c> carrying <c>google.rpc.BadRequest</c> with one field violation per problem, so a client
    /// can show every mistake at once, bounded in size whatever the input: at most <see cref="MaxViolations"/>
    /// violations (then how many more), each field and description truncated. The whole status travels in one
    /// header; unbounded, 20,000 violations blew the client's header limit (COMPRESSION_ERROR) instead of answering.
    /// </summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        foreach (var violation in violations.Take(MaxViolations))
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation
            {
                Field = Truncate(violation.Field, MaxFieldLength),
                Description = Truncate(violation.Description, MaxDescriptionLength),
            });
        }

        var more = violations.Count - badRequest.FieldViolations.Count;
        if (more > 0)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "", Description = $"and {more} more problems not listed." });
        }

        var summary = string.Join("; ", badRequest.FieldViolations.Select(v => v.Field.Length > 0 ? $"{v.Field}: {v.Description}" : v.Description));
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = Truncate("Invalid request: " + summary, MaxMessageLength),
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    /// <summary>At most <paramref name="max"/> characters, ending in "…" when cut (never inside a surrogate pair).</summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - 1;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
