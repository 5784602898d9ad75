using System.Text.RegularExpressions;

namespace Pricing.Quoting.Tests;

/// <summary>
/// Excluded offers group by cause (<see cref="ExclusionKinds"/>): every reason key the engine excludes with must have
/// a kind and a summary, or its offers would group by their full text again, one group per instance type.
/// </summary>
public sealed partial class ExclusionKindsTests
{
    [Fact]
    public void Every_reason_key_the_engine_excludes_with_has_a_kind_and_a_summary()
    {
        var sources = Directory.GetFiles(Path.Combine(RepoRoot(), "services", "Pricing.Quoting"), "*.cs");
        var keys = sources.SelectMany(f => ReasonKey().Matches(File.ReadAllText(f)).Select(m => m.Groups["key"].Value)).Distinct().ToList();

        Assert.True(keys.Count >= 10, $"Found only {keys.Count} exclusion sites: {string.Join(", ", keys)}.");
        Assert.All(keys, key => Assert.NotNull(ExclusionKinds.Of(key).Summary));
    }

    [Theory]
    [InlineData("fabric:p5.48xlarge", "fabric")]
    [InlineData("memory:8", "memory")]
    [InlineData("activations", "memory")]
    [InlineData("capacity:awsp5.48xlargespot59.5", "capacity")]
    public void A_key_is_read_up_to_its_colon(string key, string kind) => Assert.Equal(kind, ExclusionKinds.Of(key).Kind);

    [Fact]
    public void A_key_the_table_does_not_know_is_its_own_kind_without_a_summary()
    {
        var (kind, summary) = ExclusionKinds.Of("novel:thing");

        Assert.Equal("novel", kind);
        Assert.Null(summary);
    }

    [GeneratedRegex("""Exclude\(offer, \("(?<key>[a-z-]+)""")]
    private static partial Regex ReasonKey();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pricing.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root (Pricing.slnx) above {AppContext.BaseDirectory}.");
    }
}
