using Grpc.Core;
using Pricing.Cli;

if (args.Length == 0 || args[0] is "-h" or "--help" || args[0] != "quote" || args.Skip(1).Any(a => a is "-h" or "--help"))
{
    Console.Error.WriteLine(QuoteArguments.Usage);
    return args.Length == 0 || args[0] is not ("-h" or "--help") ? 2 : 0;
}

QuoteArguments arguments;
try
{
    arguments = QuoteArguments.Parse(args[1..]);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"pricing quote: {ex.Message}");
    Console.Error.WriteLine(QuoteArguments.Usage);
    return 2;
}

try
{
    return await QuoteCommand.RunAsync(arguments, Console.Out, CancellationToken.None);
}
catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
{
    Console.Error.WriteLine("pricing quote: the request was refused:");
    foreach (var violation in QuoteCommand.Violations(ex))
    {
        Console.Error.WriteLine($"  {violation}");
    }

    return 2;
}
catch (RpcException ex)
{
    Console.Error.WriteLine($"pricing quote: {ex.Status.StatusCode}: {ex.Status.Detail}");
    return 1;
}
