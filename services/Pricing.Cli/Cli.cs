using Grpc.Core;

namespace Pricing.Cli;

/// <summary>
/// <c>pricing &lt;command&gt; [options]</c>: parses, runs and maps failures to exit codes. 0 done; 1 no result
/// (no option can run the training) or the server failed or is unreachable; 2 bad arguments, or the server
/// refused the request (every field violation is printed); 130 interrupted (watch exits 0 on Ctrl+C instead).
/// </summary>
public static class Cli
{
    public const string Usage = """
        usage: pricing <command> [options]

        commands:
          quote     price a training run on every offer that can run it, cheapest first
          compare   the best option of every accelerator type for a training run
          watch     print price changes as they happen (a stream; --count N to stop after N)
          history   the recorded price changes of one offer or one accelerator
          token     mint a bearer token from the services' signing key (Auth__SigningKey)

        Without --server URL each command runs the whole system embedded in this process (bundled price
        snapshots, no servers needed). `pricing <command> --help` lists the command's options.
        With --server, --token TOKEN (or PRICING_TOKEN) sends a bearer token, for servers with auth on.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Count == 0)
        {
            error.WriteLine(Usage);
            return 2;
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(Usage);
            return 0;
        }

        var command = args[0];
        string? usage = command switch
        {
            "quote" => QuoteArguments.Usage,
            "compare" => CompareArguments.Usage,
            "watch" => WatchArguments.Usage,
            "history" => HistoryArguments.Usage,
            "token" => TokenArguments.Usage,
            _ => null,
        };
        if (usage is null)
        {
            error.WriteLine($"pricing: unknown command '{command}'.");
            error.WriteLine(Usage);
            return 2;
        }

        var rest = args.Skip(1).ToList();
        if (rest.Any(a => a is "-h" or "--help"))
        {
            output.WriteLine(usage);
            return 0;
        }

        Func<Task<int>> run;
        try
        {
            var token = ServerChannel.TakeToken(rest);
            run = command switch
            {
                "quote" => Bind(QuoteArguments.Parse(rest), a => QuoteCommand.RunAsync(a, output, cancellationToken, token)),
                "compare" => Bind(CompareArguments.Parse(rest), a => CompareCommand.RunAsync(a, output, cancellationToken, token)),
                "watch" => Bind(WatchArguments.Parse(rest), a => WatchCommand.RunAsync(a, output, error, cancellationToken, token: token)),
                "history" => Bind(HistoryArguments.Parse(rest), a => HistoryCommand.RunAsync(a, output, error, cancellationToken, token)),
                _ => Bind(TokenArguments.Parse(rest), a => Task.FromResult(TokenCommand.Run(a, Environment.GetEnvironmentVariable, output, error, DateTimeOffset.UtcNow))),
            };
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"pricing {command}: {ex.Message}");
            error.WriteLine(usage);
            return 2;
        }

        try
        {
            return await run();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            error.WriteLine($"pricing {command}: the request was refused:");
            foreach (var violation in QuoteCommand.Violations(ex))
            {
                error.WriteLine($"  {violation}");
            }

            return 2;
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            error.WriteLine($"pricing {command}: interrupted.");
            return 130;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            error.WriteLine($"pricing {command}: cannot reach the server: {ex.Status.Detail}");
            return 1;
        }
        catch (RpcException ex)
        {
            error.WriteLine($"pricing {command}: {ex.Status.StatusCode}: {ex.Status.Detail}");
            return 1;
        }
    }

    private static Func<Task<int>> Bind<T>(T arguments, Func<T, Task<int>> run) => () => run(arguments);
}
