using System.Reflection;
using Pricing.Benchmarks;

// Each suite is one IBenchmarkSuite class in its own file; this only dispatches by name.
var suites = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

var suite = args.Length > 0 ? suites.FirstOrDefault(s => s.Name == args[0]) : null;
if (suite is null)
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/Benchmarks -- <suite> [options]");
    foreach (var s in suites)
    {
        Console.Error.WriteLine($"  {s.Name,-24} {s.Description}");
    }

    return 2;
}

return await suite.RunAsync(args[1..]);
