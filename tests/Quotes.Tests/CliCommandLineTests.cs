using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Pricing.Cli;

namespace Quotes.Tests;

/// <summary>
/// The command line as System.CommandLine runs it: each verb's help and completions come from its command's own
/// option definitions, bad input of every verb exits 2 the same way, and the embedded host never writes to stdout.
/// </summary>
public sealed class CliCommandLineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRun.RunAsync(args);

    public static TheoryData<string> Verbs => ["quote", "compare", "offers", "watch", "history", "token"];

    public static TheoryData<string> ServerVerbs => ["quote", "compare", "offers", "watch", "history"];

    private static Command VerbCommand(string verb) => verb switch
    {
        "quote" => new QuoteCommand(),
        "compare" => new CompareCommand(),
        "offers" => new OffersCommand(),
        "watch" => new WatchCommand(),
        "history" => new HistoryCommand(),
        _ => new TokenCommand(),
    };

    /// <summary>The minimum each verb needs to parse, so the flag under test is the only problem.</summary>
    private static string[] Valid(string verb) => verb switch
    {
        "quote" or "compare" => ["--params", "70e9", "--tokens", "1.4e12"],
        "history" => ["--accelerator", "nvidia-h100-80gb"],
        _ => [],
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Each_verbs_help_is_the_librarys_listing_of_that_verbs_own_options(string verb)
    {
        var (code, output, error) = await RunAsync(verb, "--help");
        var viaHelpWord = await RunAsync("help", verb);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains($"pricing {verb} [options]", output, StringComparison.Ordinal);
        var options = VerbCommand(verb).Options.Where(o => !o.Hidden).Select(o => o.Name).ToList();
        Assert.NotEmpty(options);
        Assert.All(options, name => Assert.Contains($"  {name}", output, StringComparison.Ordinal));
        // After the options, the verb's contract (exit codes and, for watch, its reconnects).
        Assert.Contains(((IHelpDetails)VerbCommand(verb)).Details.Split('\n')[0].Trim(), output, StringComparison.Ordinal);
        Assert.Equal(output, viaHelpWord.Out);
    }

    [Fact]
    public void Quote_and_compare_share_the_training_run_flags_and_only_quote_has_top()
    {
        var quote = new QuoteCommand().Options.Select(o => o.Name).ToHashSet();
        var compare = new CompareCommand().Options.Where(o => !o.Hidden).Select(o => o.Name).ToHashSet();

        Assert.Equal(["--top"], quote.Except(compare));
        Assert.Empty(compare.Except(quote));
        Assert.Contains("--discount", compare);
        Assert.Contains("--staff-monthly-cost", compare);
    }

    [Theory]
    [MemberData(nameof(ServerVerbs))]
    public async Task A_server_that_is_not_an_http_address_exits_2_for_every_verb(string verb)
    {
        var (code, output, error) = await RunAsync([verb, .. Valid(verb), "--server", "localhost"]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"pricing {verb}: --server 'localhost' is not an http:// or https:// address.", error, StringComparison.Ordinal);
        Assert.Contains("usage: pricing", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task An_unknown_flag_exits_2_naming_it_for_every_verb(string verb)
    {
        var (code, output, error) = await RunAsync([verb, .. Valid(verb), "--colour", "red"]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"pricing {verb}: ", error, StringComparison.Ordinal);
        Assert.Contains("'--colour'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_starting_an_option_is_not_taken_as_the_value()
    {
        var (code, _, error) = await RunAsync("watch", "--provider", "--json");

        Assert.Equal(2, code);
        Assert.Contains("pricing watch: --provider needs a value.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_come_from_the_option_definitions()
    {
        var (code, output, _) = await RunAsync("[suggest:11]", "quote --acc");

        Assert.Equal(0, code);
        Assert.Equal(["--accelerator", "--accelerators"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>
    /// The real executable on the embedded default with its log turned up to Information: stdout is exactly the JSON
    /// the verb prints, and the log (there is one at that level) is on stderr.
    /// </summary>
    [Theory]
    [InlineData("quote", "--params", "70e9", "--tokens", "1.4e12", "--accelerator", "nvidia-h100-80gb", "--json")]
    [InlineData("history", "--accelerator", "nvidia-h100-80gb", "--limit", "5", "--json")]
    [InlineData("offers", "--accelerator", "nvidia-h100-80gb", "--limit", "5", "--json")]
    public async Task The_embedded_host_logs_to_stderr_and_never_to_stdout(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment = { ["Logging__LogLevel__Default"] = "Information", ["DOTNET_NOLOGO"] = "1" },
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pricing.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var output = await stdout;
        var error = await stderr;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {error}");
        using var json = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.Contains("info: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("info: ", output, StringComparison.Ordinal);
    }
}
