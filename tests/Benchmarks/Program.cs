Console.WriteLine("usage: dotnet run -c Release --project tests/Benchmarks -- <suite>");
