using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Aws.Pricing;

namespace Pricing.Benchmarks;

/// <summary>
/// The AWS offer-file parser against a bare <see cref="Utf8JsonReader"/> walk over the same file, with the same
/// rolling-buffer strategy, on a synthetic EC2 offer file of the real shape (≥ 400 MB, like us-east-1). Each
/// measurement runs in a fresh child process, so its peak working set is its own.
/// Targets: parser ≥ 50% of the bare walk's MB/s; parser peak working set &lt; 200 MB.
/// </summary>
public sealed class AwsOfferFileBenchmark : IBenchmarkSuite
{
    private const int DefaultSizeMb = 420;
    private const int Runs = 5;

    public string Name => "aws-offer-file";

    public string Description => "AWS EC2 offer-file parser vs a bare Utf8JsonReader walk, MB/s and peak working set (options: --size-mb N, --file PATH, --regenerate, --delete)";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 3 && args[0] == "--child")
        {
            return await RunChildAsync(args[1], args[2]);
        }

        var sizeMb = IntOption(args, "--size-mb") ?? DefaultSizeMb;
        var path = StringOption(args, "--file") ?? Path.Combine(Path.GetTempPath(), $"pricing-bench-aws-offer-file-{sizeMb}mb.json");
        if (args.Contains("--regenerate") || !File.Exists(path))
        {
            var stopwatch = Stopwatch.StartNew();
            var (products, accelerated) = SyntheticOfferFile.Write(path, sizeMb * 1024L * 1024L);
            Console.WriteLine($"Generated {path}: {new FileInfo(path).Length / 1e6:F1} MB, {products:N0} products ({accelerated:N0} accelerated) in {stopwatch.Elapsed.TotalSeconds:F1} s");
        }
        else
        {
            Console.WriteLine($"Reusing {path} ({new FileInfo(path).Length / 1e6:F1} MB; --regenerate to rebuild)");
        }

        // One untimed walk so the file is in the page cache for every timed run alike.
        await RunInChildAsync("walk", path);

        var walks = new List<ChildResult>();
        var parses = new List<ChildResult>();
        for (var i = 0; i < Runs; i++)
        {
            walks.Add(await RunInChildAsync("walk", path));
            parses.Add(await RunInChildAsync("parse", path));
        }

        var walk = walks.OrderByDescending(r => r.MbPerSecond).First();
        var parse = parses.OrderByDescending(r => r.MbPerSecond).First();
        var ratio = parse.MbPerSecond / walk.MbPerSecond;
        Console.WriteLine();
        Console.WriteLine($"file: {walk.Bytes / 1e6:F1} MB, runtime {Environment.Version}, {Environment.ProcessorCount} cores, best of {Runs} runs each (each run a fresh process)");
        Console.WriteLine($"{"",-22}{"MB/s",10}{"seconds",10}{"peak WS MB",12}{"allocated MB",14}{"GCs (0/1/2)",14}");
        Print("bare Utf8JsonReader", walk);
        Print("AwsOfferFileParser", parse);
        Console.WriteLine($"all runs MB/s: walk [{string.Join(", ", walks.Select(w => w.MbPerSecond.ToString("F0", CultureInfo.InvariantCulture)))}], parse [{string.Join(", ", parses.Select(p => p.MbPerSecond.ToString("F0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"parser kept {parse.Detail}");
        Console.WriteLine($"ratio parser/walk: {ratio:P0} (target >= 50%); parser peak working set {parse.PeakWorkingSetMb:F0} MB (target < 200 MB)");

        if (args.Contains("--delete"))
        {
            File.Delete(path);
            Console.WriteLine($"Deleted {path}");
        }

        return ratio >= 0.5 && parse.PeakWorkingSetMb < 200 ? 0 : 1;
    }

    private static void Print(string name, ChildResult r) =>
        Console.WriteLine($"{name,-22}{r.MbPerSecond,10:F0}{r.Seconds,10:F2}{r.PeakWorkingSetMb,12:F0}{r.AllocatedMb,14:F1}{$"{r.Gen0}/{r.Gen1}/{r.Gen2}",14}");

    private sealed record ChildResult(long Bytes, double Seconds, double PeakWorkingSetMb, double AllocatedMb, int Gen0, int Gen1, int Gen2, string Detail)
    {
        public double MbPerSecond => Bytes / 1e6 / Seconds;
    }

    /// <summary>Runs one measurement in a fresh process of this same program and reads its one-line JSON result.</summary>
    private static async Task<ChildResult> RunInChildAsync(string mode, string path)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in new[] { "aws-offer-file", "--child", mode, path })
        {
            info.ArgumentList.Add(arg);
        }

        using var child = Process.Start(info) ?? throw new InvalidOperationException("Could not start the child process.");
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {mode} child exited with {child.ExitCode}: {output}");
        }

        return JsonSerializer.Deserialize<ChildResult>(output.Trim().Split('\n')[^1])!;
    }

    private static async Task<int> RunChildAsync(string mode, string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var stopwatch = Stopwatch.StartNew();
        string detail;
        if (mode == "walk")
        {
            var tokens = await BareWalk.CountTokensAsync(file, AwsOfferFileParser.DefaultBufferSize);
            detail = $"{tokens:N0} tokens";
        }
        else
        {
            var parsed = await new AwsOfferFileParser(new AwsProductFilter(AwsInstanceTypeMap.Default)).ParseAsync(file, CancellationToken.None);
            var mapped = new AwsOfferMapper(AwsInstanceTypeMap.Default).Map(parsed, "us-east-1");
            detail = $"{parsed.Products.Count:N0} of {parsed.Statistics.Products:N0} products, {parsed.Terms.Count:N0} terms, {mapped.Offers.Count:N0} offers, " +
                     $"{mapped.Quarantined.Count:N0} quarantined; peak buffer {parsed.Statistics.PeakBufferBytes / 1024} KiB";
        }

        stopwatch.Stop();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var result = new ChildResult(file.Length, stopwatch.Elapsed.TotalSeconds, self.PeakWorkingSet64 / 1048576.0,
            (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1048576.0,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, detail);
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static int? IntOption(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;

    private static string? StringOption(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>
/// The baseline: read every token of the file with a <see cref="Utf8JsonReader"/> over one rolling buffer,
/// refilled and compacted exactly as the parser does, and nothing else.
/// </summary>
internal static class BareWalk
{
    public static async Task<long> CountTokensAsync(Stream stream, int bufferSize)
    {
        var buffer = new byte[bufferSize];
        var state = new JsonReaderState();
        int start = 0, end = 0;
        var eof = false;
        long tokens = 0;
        while (true)
        {
            while (!eof && end < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(end));
                eof = read == 0;
                end += read;
            }

            var (consumed, count) = Walk(buffer.AsSpan(start, end - start), eof, ref state);
            tokens += count;
            start += consumed;
            if (eof)
            {
                return tokens;
            }

            if (start == 0 && end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            else
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }
        }
    }

    private static (int Consumed, long Tokens) Walk(ReadOnlySpan<byte> data, bool isFinal, ref JsonReaderState state)
    {
        var reader = new Utf8JsonReader(data, isFinal, state);
        long tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        state = reader.CurrentState;
        return ((int)reader.BytesConsumed, tokens);
    }
}

/// <summary>
/// Writes a synthetic EC2 offer file of the real shape: every product with ~35 attributes as the API prints them,
/// in the OS × tenancy × capacity-status × licence variants a real file has for each instance type, mostly
/// non-accelerated families, some accelerated ones; storage and transfer products; an OnDemand term per product
/// and the 12 Reserved terms (1yr/3yr × standard/convertible × No/Partial/All Upfront) per instance product.
/// Prices are arbitrary figures of the right form (10 decimals): the benchmark measures parsing, not prices.
/// </summary>
internal static class SyntheticOfferFile
{
    private static readonly string[] Families = ["m5", "m6i", "m7i", "c5", "c6i", "c7g", "r5", "r6i", "r7i", "t3", "i4i", "x2idn", "z1d", "m6a", "c6a", "r6a"];
    private static readonly string[] Accelerated = ["p5.48xlarge", "p5.4xlarge", "p4d.24xlarge", "p4de.24xlarge", "p5en.48xlarge", "g5.xlarge", "g5.12xlarge", "g6.xlarge", "g6e.2xlarge", "trn1.32xlarge", "inf2.xlarge", "p6-b200.48xlarge"];
    private static readonly string[] Sizes = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"];
    private static readonly (string Os, string PreInstalled, string Licence, string Operation)[] Variants =
    [
        ("Linux", "NA", "No License required", "RunInstances"),
        ("RHEL", "NA", "No License required", "RunInstances:0010"),
        ("SUSE", "NA", "No License required", "RunInstances:000g"),
        ("Windows", "NA", "No License required", "RunInstances:0002"),
        ("Windows", "NA", "Bring your own license", "RunInstances:0800"),
        ("Windows", "SQL Std", "No License required", "RunInstances:0006"),
        ("Linux", "SQL Web", "No License required", "RunInstances:0200"),
        ("Red Hat Enterprise Linux with HA", "NA", "No License required", "RunInstances:1010"),
    ];
    private static readonly string[] Tenancies = ["Shared", "Dedicated", "Host"];
    private static readonly string[] CapacityStatuses = ["Used", "UnusedCapacityReservation", "AllocatedCapacityReservation"];
    private static readonly (string Code, string Lease, string Class, string Option)[] ReservedTerms =
    [
        ("4NA7Y494T4", "1yr", "standard", "No Upfront"), ("HU7G6KETJZ", "1yr", "standard", "Partial Upfront"), ("6QCMYABX3D", "1yr", "standard", "All Upfront"),
        ("BPH4J8HBKS", "3yr", "standard", "No Upfront"), ("38NPMPTW36", "3yr", "standard", "Partial Upfront"), ("NQ3QZPMQV9", "3yr", "standard", "All Upfront"),
        ("7NE97W5U4E", "1yr", "convertible", "No Upfront"), ("CUZHX8X6JH", "1yr", "convertible", "Partial Upfront"), ("VJWZNREJX2", "1yr", "convertible", "All Upfront"),
        ("Z2E3P23VKM", "3yr", "convertible", "No Upfront"), ("R5XV2EPZQZ", "3yr", "convertible", "Partial Upfront"), ("MZU6U2429S", "3yr", "convertible", "All Upfront"),
    ];

    public static (long Products, long Accelerated) Write(string path, long targetBytes)
    {
        var random = new Random(20261128);
        var skus = new List<(string Sku, bool Instance)>();
        long accelerated = 0;
        using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, SkipValidation = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("formatVersion", "v1.0");
                writer.WriteString("disclaimer", "This pricing list is for informational purposes only. All prices are subject to the additional terms included in the pricing pages on http://aws.amazon.com.");
                writer.WriteString("offerCode", "AmazonEC2");
                writer.WriteString("version", "20261128000000");
                writer.WriteString("publicationDate", "2026-11-28T00:00:00Z");
                writer.WritePropertyName("products");
                writer.WriteStartObject();
                var estimated = 0L;
                var n = 0;
                while (estimated < targetBytes)
                {
                    var isAccelerated = n % 10 == 0;
                    var type = isAccelerated ? Accelerated[n / 10 % Accelerated.Length] : $"{Families[random.Next(Families.Length)]}.{Sizes[random.Next(Sizes.Length)]}";
                    foreach (var variant in Variants)
                    {
                        foreach (var tenancy in Tenancies)
                        {
                            foreach (var capacity in CapacityStatuses)
                            {
                                var sku = Sku(random);
                                WriteProduct(writer, sku, type, variant, tenancy, capacity);
                                skus.Add((sku, true));
                                accelerated += isAccelerated ? 1 : 0;
                                // Product ~1.6 KB, OnDemand term ~0.8 KB, 12 Reserved terms ~11.8 KB, as written (indented).
                                estimated += 14_200;
                            }
                        }
                    }

                    for (var s = 0; s < 4; s++)
                    {
                        var sku = Sku(random);
                        WriteStorage(writer, sku, n, s);
                        skus.Add((sku, false));
                        estimated += 2_000;
                    }

                    n++;
                }

                writer.WriteEndObject();
                writer.WritePropertyName("terms");
                writer.WriteStartObject();
                writer.WritePropertyName("OnDemand");
                writer.WriteStartObject();
                foreach (var (sku, _) in skus)
                {
                    writer.WritePropertyName(sku);
                    writer.WriteStartObject();
                    WriteTerm(writer, sku, "JRTCKXETXF", Price(random), null, null);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WritePropertyName("Reserved");
                writer.WriteStartObject();
                foreach (var (sku, instance) in skus)
                {
                    if (!instance)
                    {
                        continue;
                    }

                    writer.WritePropertyName(sku);
                    writer.WriteStartObject();
                    foreach (var term in ReservedTerms)
                    {
                        var upfront = term.Option == "No Upfront" ? null : random.Next(100, 400_000).ToString(CultureInfo.InvariantCulture);
                        var hourly = term.Option == "All Upfront" ? "0.0000000000" : Price(random);
                        WriteTerm(writer, sku, term.Code, hourly, upfront, term);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WritePropertyName("attributesList");
                writer.WriteStartObject();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }

        return (skus.Count, accelerated);
    }

    private static void WriteProduct(Utf8JsonWriter w, string sku, string type, (string Os, string PreInstalled, string Licence, string Operation) v, string tenancy, string capacity)
    {
        w.WritePropertyName(sku);
        w.WriteStartObject();
        w.WriteString("sku", sku);
        w.WriteString("productFamily", "Compute Instance");
        w.WritePropertyName("attributes");
        w.WriteStartObject();
        w.WriteString("servicecode", "AmazonEC2");
        w.WriteString("location", "US East (N. Virginia)");
        w.WriteString("locationType", "AWS Region");
        w.WriteString("instanceType", type);
        w.WriteString("currentGeneration", "Yes");
        w.WriteString("instanceFamily", "General purpose");
        w.WriteString("vcpu", "8");
        w.WriteString("physicalProcessor", "Intel Xeon Platinum 8375C (Ice Lake)");
        w.WriteString("clockSpeed", "3.5 GHz");
        w.WriteString("memory", "32 GiB");
        w.WriteString("storage", "EBS only");
        w.WriteString("networkPerformance", "Up to 12500 Megabit");
        w.WriteString("processorArchitecture", "64-bit");
        w.WriteString("tenancy", tenancy);
        w.WriteString("operatingSystem", v.Os);
        w.WriteString("licenseModel", v.Licence);
        w.WriteString("usagetype", (capacity == "Used" ? "BoxUsage:" : capacity == "UnusedCapacityReservation" ? "UnusedBox:" : "Reservation:") + type);
        w.WriteString("operation", v.Operation);
        w.WriteString("availabilityzone", "NA");
        w.WriteString("capacitystatus", capacity);
        w.WriteString("classicnetworkingsupport", "false");
        w.WriteString("dedicatedEbsThroughput", "Up to 10000 Mbps");
        w.WriteString("ecu", "NA");
        w.WriteString("enhancedNetworkingSupported", "Yes");
        w.WriteString("gpuMemory", "NA");
        w.WriteString("intelAvxAvailable", "Yes");
        w.WriteString("intelAvx2Available", "Yes");
        w.WriteString("intelTurboAvailable", "Yes");
        w.WriteString("marketoption", "OnDemand");
        w.WriteString("normalizationSizeFactor", "4");
        w.WriteString("preInstalledSw", v.PreInstalled);
        w.WriteString("processorFeatures", "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo");
        w.WriteString("regionCode", "us-east-1");
        w.WriteString("servicename", "Amazon Elastic Compute Cloud");
        w.WriteString("vpcnetworkingsupport", "true");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteStorage(Utf8JsonWriter w, string sku, int n, int s)
    {
        w.WritePropertyName(sku);
        w.WriteStartObject();
        w.WriteString("sku", sku);
        w.WriteString("productFamily", s % 2 == 0 ? "Storage" : "Data Transfer");
        w.WritePropertyName("attributes");
        w.WriteStartObject();
        w.WriteString("servicecode", "AmazonEC2");
        w.WriteString("location", "US East (N. Virginia)");
        w.WriteString("locationType", "AWS Region");
        w.WriteString("storageMedia", "SSD-backed");
        w.WriteString("volumeType", "General Purpose");
        w.WriteString("usagetype", $"EBS:VolumeUsage.gp{n % 3 + 1}");
        w.WriteString("operation", "");
        w.WriteString("regionCode", "us-east-1");
        w.WriteString("servicename", "Amazon Elastic Compute Cloud");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTerm(Utf8JsonWriter w, string sku, string code, string hourly, string? upfront, (string Code, string Lease, string Class, string Option)? reserved)
    {
        w.WritePropertyName($"{sku}.{code}");
        w.WriteStartObject();
        w.WriteString("offerTermCode", code);
        w.WriteString("sku", sku);
        w.WriteString("effectiveDate", "2026-11-01T00:00:00Z");
        w.WritePropertyName("priceDimensions");
        w.WriteStartObject();
        if (upfront is not null)
        {
            WriteDimension(w, $"{sku}.{code}.2TG2D8R56U", "Upfront Fee", "Quantity", upfront, ranged: false);
        }

        WriteDimension(w, $"{sku}.{code}.6YS6EN2CT7", reserved is null ? $"${hourly} per On Demand Linux Instance Hour" : "Linux/UNIX (Amazon VPC), reserved instance applied", "Hrs", hourly, ranged: true);
        w.WriteEndObject();
        w.WritePropertyName("termAttributes");
        w.WriteStartObject();
        if (reserved is { } r)
        {
            w.WriteString("LeaseContractLength", r.Lease);
            w.WriteString("OfferingClass", r.Class);
            w.WriteString("PurchaseOption", r.Option);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteDimension(Utf8JsonWriter w, string rateCode, string description, string unit, string usd, bool ranged)
    {
        w.WritePropertyName(rateCode);
        w.WriteStartObject();
        w.WriteString("rateCode", rateCode);
        w.WriteString("description", description);
        if (ranged)
        {
            w.WriteString("beginRange", "0");
            w.WriteString("endRange", "Inf");
        }

        w.WriteString("unit", unit);
        w.WritePropertyName("pricePerUnit");
        w.WriteStartObject();
        w.WriteString("USD", usd);
        w.WriteEndObject();
        w.WritePropertyName("appliesTo");
        w.WriteStartArray();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static string Price(Random random) => (random.Next(1, 10_000_000) / 100_000m).ToString("F10", CultureInfo.InvariantCulture);

    private static string Sku(Random random)
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(16, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[r.Next(alphabet.Length)];
            }
        });
    }
}
