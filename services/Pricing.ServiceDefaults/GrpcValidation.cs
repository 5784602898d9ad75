using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Pricing.Catalog;

namespace Pricing.ServiceDefaults;

public static class GrpcValidation
{
    /// <summary>
    /// <c>InvalidArgument</c> carrying <c>google.rpc.BadRequest</c> with one field violation per problem,
    /// so a client can show every mistake at once.
    /// </summary>
    public static RpcException InvalidArgument(IReadOnlyCollection<FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        foreach (var violation in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = violation.Field, Description = violation.Description });
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "Invalid request: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")),
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }
}
