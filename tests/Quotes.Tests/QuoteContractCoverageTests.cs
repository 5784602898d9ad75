using Google.Protobuf;
using Google.Protobuf.Reflection;
using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// The one seam between the domain and the contract: every field of the quote and comparison messages (and of every
/// message under them) is set by some answer to a set of fully featured requests in the full view. A field added to
/// quotes.proto without a mapping fails here, by name: the last tests prove it with a descriptor that has one more
/// QuoteOption field than the code maps. Why a test and not a generated mapper (Riok.Mapperly): every Money field
/// takes the offer's currency from outside the value, several fields come from nested domain parts or fall back
/// (an unknown family still gets a FabricInfo), infinities become 0 and repeated fields are get-only, so a generated
/// mapper would be mostly hand-written configuration; the descriptor walk checks the mapping as it is.
/// </summary>
public sealed class QuoteContractCoverageTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Fields the fully featured requests leave at their default, each for a reason that is not a missing mapping.
    /// Keep it small: every entry is a field no test here can prove mapped.
    /// </summary>
    private static readonly Dictionary<string, string> AllowedUnset = new(StringComparer.Ordinal)
    {
        // Only for a request with as_of, which needs a recorded price history (Redis): OfferCatalogTests'
        // A_quote_as_of_a_past_time_is_priced_on_the_prices_then_and_cached_apart_from_the_current_one asserts both.
        ["pricing.v1.TrainingQuote.prices_as_of"] = "set only for as_of requests",
        ["pricing.v1.AcceleratorComparison.prices_as_of"] = "set only for as_of requests",
    };

    /// <summary>Requests that between them reach every part of the plan: all clouds and pricing models, commitments with
    /// and without reuse, blocks, discounts and a custom price, the model shape, dataset egress, experiments and staff, the program's stage tokens, annotation and licensing.</summary>
    public static IEnumerable<QuoteTrainingRunRequest> FullyFeatured()
    {
        var everything = new QuoteTrainingRunRequest
        {
            Parameters = 70e9,
            Tokens = 1.4e12,
            MaxOptions = 1000,
            Layers = 80,
            DModel = 8192,
            SequenceLength = 4096,
            DatasetCloud = "gcp",
            ExperimentsMultiplier = 1.5,
            StaffEngineers = 2,
            StaffMonthlyCost = 30_000m.ToMoney("USD"),
            StageTokens = { ["long_context"] = 1e11 },
            AnnotationItems = 10_000,
            Licensing = 50_000m.ToMoney("USD"),
            DiscountPercent = { ["aws"] = 10 },
            View = QuoteView.Full,
        };
        yield return everything;

        var reused = everything.Clone();
        reused.ReuseCommittedCapacity = true;
        reused.DiscountPercent.Clear();
        yield return reused;

        // A small model on one instance, sized to a deadline; a MoE model; fp8; a custom price.
        yield return new QuoteTrainingRunRequest { Parameters = 1e9, Tokens = 2e10, DeadlineHours = 48, MaxOptions = 1000, View = QuoteView.Full };
        yield return new QuoteTrainingRunRequest
        {
            Parameters = 400e9, ActiveParameters = 40e9, Chinchilla = true, Precision = "fp8", MaxOptions = 1000,
            PricePerAcceleratorHour = 2.5m.ToMoney("USD"), View = QuoteView.Full,
        };
    }

    private async Task<ProtoFieldCoverage> QuoteCoverageAsync(MessageDescriptor quoteType)
    {
        var coverage = new ProtoFieldCoverage(quoteType);
        foreach (var request in FullyFeatured())
        {
            coverage.Add((await server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct)).ToByteString());
        }

        coverage.Add(PartsTheBundledCatalogsLack().ToByteString());
        return coverage;
    }

    /// <summary>
    /// What no bundled offer has, quoted through the same mapping over a catalog of its own: a zone, a partial-upfront
    /// savings plan (its upfront note), calendar-mode reservations back to back (a run longer than the longest block;
    /// Capacity Blocks that long are excluded), a plan longer than a year (capacity not obtainable, with the reason) and
    /// a stale catalog version (quoted at a fixed time past StaleAfter).
    /// </summary>
    private static TrainingQuote PartsTheBundledCatalogsLack()
    {
        var asOf = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
        Pricing.Catalog.Offer P5(string model, decimal price) =>
            new("aws", "us-east-1", "us-east-1a", "p5.48xlarge", "nvidia-h100-80gb", 8m, 192, 2048m, model, price, "USD", asOf, "SKU", "METER");
        Pricing.Catalog.Offer[] offers =
        [
            P5(Pricing.Catalog.PricingModels.OnDemand, 98.32m),
            P5(Pricing.Catalog.PricingModels.SavingsPlan("compute", 3, Pricing.Catalog.PricingModels.Payments.PartialUpfront), 30m),
            P5(Pricing.Catalog.PricingModels.CapacityBlock, 31.46m),
        ];
        Pricing.Catalog.Offer[] gcp =
        [
            new("gcp", "us-central1", "us-central1-a", "a3-highgpu-8g", "nvidia-h100-80gb", 8m, 208, 1872m, Pricing.Catalog.PricingModels.DwsCalendar, 60m, "USD", asOf, "SKU", "METER"),
        ];
        var prices = new Pricing.Quoting.PriceViewSnapshot(
        [
            new Pricing.Quoting.PriceViewCatalog("aws", 1, asOf, offers.ToDictionary(o => o.OfferKey, StringComparer.Ordinal)),
            new Pricing.Quoting.PriceViewCatalog("gcp", 1, asOf, gcp.ToDictionary(o => o.OfferKey, StringComparer.Ordinal)),
        ]);
        // 7B on one instance for about 650 days.
        var spec = new Pricing.Quoting.QuoteSpec(7e9, 0, 8e12, Pricing.Catalog.Precision.Bf16, [], 8, 0.4, [], [], [], 10);
        var result = Pricing.Testing.TestQuoteEngines.Bundled().Quote(spec, prices);
        // Quoted a day past StaleAfter, so its catalog version is stale (and says so) whatever today's date: the bundled
        // snapshots' staleness depends on the wall clock and cannot be what proves `stale` mapped.
        var quotedAt = asOf + Pricing.Catalog.PriceAge.DefaultStaleAfter + TimeSpan.FromDays(1);
        var quote = Quotes.Grpc.QuotePlanProtoMapping.ToProto(result, prices, quotedAt, spec.Precision, Pricing.Catalog.PriceAge.DefaultStaleAfter);
        Assert.All(quote.CatalogVersions, v => Assert.True(v.Stale));
        Assert.Contains(quote.Options, o => o.Block is { BlocksInSequence: > 1 } && !o.Capacity.Obtainable);
        return quote;
    }

    [Fact]
    public async Task A_full_quote_sets_every_field_of_every_message_in_it()
    {
        var coverage = await QuoteCoverageAsync(TrainingQuote.Descriptor);

        AssertEverySet(coverage);
        // The walk reached the plan's parts, not just the top level.
        Assert.Contains(ProtoFieldCoverage.Reachable(TrainingQuote.Descriptor), t => t.FullName == "pricing.v1.BlockBilling");
        Assert.Contains(ProtoFieldCoverage.Reachable(TrainingQuote.Descriptor), t => t.FullName == "pricing.v1.ExcludedGroup");
    }

    [Fact]
    public async Task A_full_comparison_sets_every_field_of_every_message_in_it()
    {
        var coverage = new ProtoFieldCoverage(AcceleratorComparison.Descriptor);
        foreach (var request in FullyFeatured())
        {
            // Offers no accelerator of the list can use give a choice without a best option, and its reason.
            request.AcceleratorIds.Clear();
            coverage.Add((await server.Quotes.CompareAcceleratorsAsync(request, cancellationToken: Ct)).ToByteString());
        }

        var huge = new QuoteTrainingRunRequest { Parameters = 2e12, Tokens = 4e13, AcceleratorCount = 8, View = QuoteView.Full };
        coverage.Add((await server.Quotes.CompareAcceleratorsAsync(huge, cancellationToken: Ct)).ToByteString());

        // A comparison's option and assumptions come from the quote's own mapping methods (covered above); what is the
        // comparison's alone must all be set.
        var quoteTypes = ProtoFieldCoverage.Reachable(TrainingQuote.Descriptor).Select(t => t.FullName).ToHashSet(StringComparer.Ordinal);
        var missing = coverage.Unset().Where(f => !AllowedUnset.ContainsKey(f) && !quoteTypes.Contains(f[..f.LastIndexOf('.')])).ToList();
        Assert.True(missing.Count == 0, "Never set by any comparison: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task A_new_QuoteOption_field_without_a_mapping_is_reported_by_name()
    {
        // quotes.proto as it would be with one more QuoteOption field (a new cost line) that no code maps yet.
        var withNewField = QuotesWith("QuoteOption", new FieldDescriptorProto
        {
            Name = "grid_upgrade_fee",
            Number = 999,
            Type = FieldDescriptorProto.Types.Type.Message,
            TypeName = ".pricing.v1.Money",
            Label = FieldDescriptorProto.Types.Label.Optional,
            JsonName = "gridUpgradeFee",
        });

        var coverage = await QuoteCoverageAsync(withNewField.FindTypeByName<MessageDescriptor>("TrainingQuote"));

        Assert.Equal(["pricing.v1.QuoteOption.grid_upgrade_fee"], coverage.Unset().Where(f => !AllowedUnset.ContainsKey(f)));
    }

    [Fact]
    public void A_message_with_a_field_left_unset_is_reported_by_name()
    {
        var coverage = new ProtoFieldCoverage(ExcludedGroup.Descriptor);
        coverage.Add(new ExcludedGroup { Reason = "too small", Count = 2, Kind = "memory" }.ToByteString());

        Assert.Equal(
            ["pricing.v1.ExcludedGroup.examples", "pricing.v1.ExcludedOption.offer_key", "pricing.v1.ExcludedOption.provider",
                "pricing.v1.ExcludedOption.region", "pricing.v1.ExcludedOption.instance_type", "pricing.v1.ExcludedOption.accelerator_id",
                "pricing.v1.ExcludedOption.pricing_model", "pricing.v1.ExcludedOption.reason"],
            coverage.Unset());
    }

    private static void AssertEverySet(ProtoFieldCoverage coverage)
    {
        var missing = coverage.Unset().Where(f => !AllowedUnset.ContainsKey(f)).ToList();
        Assert.True(missing.Count == 0, "Never set by any answer (a mapping is missing, or a request to reach it): " + string.Join(", ", missing));
    }

    /// <summary>quotes.proto rebuilt from its descriptor with <paramref name="field"/> added to <paramref name="message"/>.</summary>
    private static FileDescriptor QuotesWith(string message, FieldDescriptorProto field)
    {
        var proto = FileDescriptorProto.Parser.ParseFrom(QuotesReflection.Descriptor.SerializedData);
        proto.MessageType.Single(m => m.Name == message).Field.Add(field);
        var dependencies = new List<FileDescriptor>();
        AddInDependencyOrder(QuotesReflection.Descriptor, dependencies);
        dependencies.Remove(QuotesReflection.Descriptor);
        var files = FileDescriptor.BuildFromByteStrings([.. dependencies.Select(d => d.SerializedData), proto.ToByteString()]);
        return files[^1];
    }

    private static void AddInDependencyOrder(FileDescriptor file, List<FileDescriptor> ordered)
    {
        foreach (var dependency in file.Dependencies)
        {
            AddInDependencyOrder(dependency, ordered);
        }

        if (!ordered.Contains(file))
        {
            ordered.Add(file);
        }
    }
}
