namespace Pricing.Testing;

/// <summary>
/// Decides what happens when a test dependency (Redis, RabbitMQ) can be found neither through its
/// environment variable nor through Testcontainers: a loud skip on a developer machine, a failure in CI.
/// </summary>
public static class TestInfrastructure
{
    /// <summary>True when the CI environment variable is set (to anything but empty, "0" or "false").</summary>
    public static bool IsCI =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci
        && ci != "0"
        && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Returns the skip reason for an unavailable dependency, or throws when running in CI, where a
    /// missing dependency must fail the run instead of silently skipping its tests.
    /// </summary>
    internal static string Unavailable(string dependency, string variable, Exception? cause)
    {
        var howToFix =
            $"Set {variable} (./test.sh does this: it starts a local {dependency}) or start a Docker engine "
            + "that can pull images for Testcontainers."
            + (cause is null ? "" : $" Testcontainers said: {cause.GetType().Name}: {FirstLine(cause.Message)}");

        if (IsCI)
        {
            throw new InvalidOperationException(
                $"{dependency} is not available, and CI is set, so this fails instead of skipping. {howToFix}",
                cause);
        }

        var message = $"*** {dependency} is NOT AVAILABLE: the tests that need it are SKIPPED. *** {howToFix}";
        Console.Error.WriteLine(message);
        return message;
    }

    public static string? Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
