using Pricing.Cli;

namespace Quotes.Tests;

/// <summary>Runs <c>pricing</c> in process as Program.cs does, with stdout and stderr captured.</summary>
internal static class CliRun
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await Cli.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
