using Pricing.Contracts.V1;

namespace Pricing.Cli;

/// <summary>
/// <c>pricing compare --params N --tokens N [the spec flags of pricing quote] [--json] [--server URL]</c>: the same
/// training-run spec as <c>pricing quote</c>, answered with the best option per accelerator type.
/// </summary>
public sealed record CompareArguments(QuoteTrainingRunRequest Request, bool Json, string? Server)
{
    public static readonly string Usage = BuildUsage();

    public static CompareArguments Parse(IReadOnlyList<string> args)
    {
        // Every flag but --top means what it means for quote; compare always shows one option per accelerator.
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--top")
            {
                throw new ArgumentException("--top does not apply to compare: it shows the best option of every accelerator type.");
            }
        }

        var quote = QuoteArguments.Parse(args);
        if (quote.Server is not null)
        {
            Arguments.Server("--server", quote.Server);
        }

        var request = quote.Request.Clone();
        request.MaxOptions = 0;
        return new CompareArguments(request, quote.Json, quote.Server);
    }

    /// <summary>The spec flags are listed from quote's usage, so the two cannot drift apart.</summary>
    private static string BuildUsage()
    {
        var specFlags = QuoteArguments.Usage.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .SkipWhile(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))
            .Where(l => !l.TrimStart().StartsWith("--top ", StringComparison.Ordinal)
                && !l.TrimStart().StartsWith("--json ", StringComparison.Ordinal)
                && !l.TrimStart().StartsWith("--server ", StringComparison.Ordinal));
        return string.Join('\n', [
            "usage: pricing compare --params N --tokens N [options]",
            "",
            "The cheapest option of every accelerator type that can run the training, ranked, and why the others",
            "cannot. Takes the training-run flags of pricing quote:",
            "",
            .. specFlags,
            "  --json                 print the AcceleratorComparison as proto JSON",
            "  --server URL           ask a running Quotes service instead of running embedded",
            "",
            "Exit codes: 0 at least one accelerator can run it, 1 none can (or the server failed), 2 bad arguments.",
        ]);
    }
}
