using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Grpc.Core;

namespace Pricing.Cli;

/// <summary>A verb's help beyond its options: the contract scripts rely on (reconnects, exit codes).</summary>
public interface IHelpDetails
{
    string Details { get; }
}

/// <summary>A verb's command: how a parse becomes its arguments.</summary>
public interface IVerb<out TArguments> : IHelpDetails
{
    TArguments Bind(ParseResult result);
}

/// <summary>
/// <c>pricing &lt;command&gt; [options]</c> on System.CommandLine (help, <c>[suggest]</c> completions, parse errors): one
/// command class per verb. Exit codes: 0 done; 1 no result (no option can run the training) or the server failed or
/// is unreachable; 2 bad arguments, or the server refused the request (every field violation is printed); 130
/// interrupted (watch exits 0 on Ctrl+C instead).
/// </summary>
public static class Cli
{
    private const string Description = """
        Accelerator prices (offers, now or as of a past time), price changes and training-run quotes.

        Without --server URL each command runs the whole system embedded in this process (bundled price
        snapshots, no servers needed). With --server, --token TOKEN (or PRICING_TOKEN) sends a bearer token,
        for servers with auth on. `pricing <command> --help` lists a command's options.
        Completions: register with dotnet-suggest (`dotnet-suggest register --command-path pricing`).
        """;

    private const string RootUsage = "usage: pricing <command> [options]   (quote, compare, plan, offers, watch, history, token; pricing --help describes them)";

    /// <summary>Response files are off: an argument starting with @ is a value, as it always was.</summary>
    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // "pricing help [command]" reads as "pricing [command] --help".
        if (args.Count > 0 && args[0] == "help")
        {
            args = [.. args.Skip(1), "--help"];
        }

        var parsed = CreateRoot().Parse(args, Parser);
        var command = parsed.CommandResult.Command;
        var name = command is RootCommand ? "pricing" : $"pricing {command.Name}";
        if (parsed.Errors.Count > 0 && parsed.Action is not { ClearsParseErrors: true })
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"{name}: {problem.Message}");
            }

            error.WriteLine(command is RootCommand ? RootUsage : $"usage: {name} [options]   ({name} --help lists them)");
            return 2;
        }

        var invocation = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // Program.cs owns Ctrl+C and SIGTERM (they cancel cancellationToken).
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await parsed.InvokeAsync(invocation, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            error.WriteLine($"{name}: the request was refused:");
            foreach (var violation in QuoteCommand.Violations(ex))
            {
                error.WriteLine($"  {violation}");
            }

            return 2;
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            error.WriteLine($"{name}: interrupted.");
            return 130;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            error.WriteLine($"{name}: cannot reach the server: {ex.Status.Detail}");
            return 1;
        }
        catch (RpcException ex)
        {
            error.WriteLine($"{name}: {ex.Status.StatusCode}: {ex.Status.Detail}");
            return 1;
        }
    }

    /// <summary>The verbs under one root; help is the library's, followed by the verb's <see cref="IHelpDetails"/>.</summary>
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand(Description) { HelpName = "pricing" };
        // No command is a usage error, not a "required command" parse error.
        root.SetAction(result =>
        {
            result.InvocationConfiguration.Error.WriteLine(RootUsage);
            return 2;
        });
        root.Subcommands.Add(new QuoteCommand());
        root.Subcommands.Add(new CompareCommand());
        root.Subcommands.Add(new PlanCommand());
        root.Subcommands.Add(new OffersCommand());
        root.Subcommands.Add(new WatchCommand());
        root.Subcommands.Add(new HistoryCommand());
        root.Subcommands.Add(new TokenCommand());
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is SynchronousCommandLineAction library)
            {
                help.Action = new HelpWithDetails(library);
            }
        }

        return root;
    }

    /// <summary>A verb's arguments as its command binds them; the first parse error is an <see cref="ArgumentException"/>.</summary>
    internal static TArguments Parse<TVerb, TArguments>(IReadOnlyList<string> args)
        where TVerb : Command, IVerb<TArguments>, new() => Parse(new TVerb(), args, (verb, parsed) => verb.Bind(parsed));

    internal static TArguments Parse<TVerb, TArguments>(TVerb verb, IReadOnlyList<string> args, Func<TVerb, ParseResult, TArguments> bind)
        where TVerb : Command
    {
        var parsed = verb.Parse(args, Parser);
        return parsed.Errors.Count > 0 ? throw new ArgumentException(parsed.Errors[0].Message) : bind(verb, parsed);
    }

    private sealed class HelpWithDetails(SynchronousCommandLineAction library) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = library.Invoke(parseResult);
            if (parseResult.CommandResult.Command is IHelpDetails verb)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(verb.Details);
                parseResult.InvocationConfiguration.Output.WriteLine();
            }

            return code;
        }
    }
}
