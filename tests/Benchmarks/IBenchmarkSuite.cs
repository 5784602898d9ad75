namespace Pricing.Benchmarks;

/// <summary>One benchmark suite, run by name: <c>dotnet run -c Release --project tests/Benchmarks -- NAME</c>.</summary>
public interface IBenchmarkSuite
{
    string Name { get; }

    string Description { get; }

    /// <summary>Runs the suite, prints its figures (and the baseline measured in the same run), returns the exit code.</summary>
    Task<int> RunAsync(string[] args);
}
