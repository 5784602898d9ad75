using System.Buffers;
using Pricing.Catalog;

namespace Pricing.Contracts.Events;

/// <summary>
/// What a consumer accepts from the broker. Anyone who may publish to the exchange can send anything, so every
/// event is checked before it can reach a price view or a history: names are bounded words, the accelerator and
/// pricing model are known, the offer agrees with the event's fields and key, prices are positive and plausible,
/// the change kind matches which prices are present, and versions cannot run ahead of the clock (a forged
/// version near <see cref="long.MaxValue"/> would make every real later version look old and be dropped).
/// An event that fails is invalid for good: retrying cannot fix it.
/// </summary>
public sealed class PriceEventRules(AcceleratorRegistry registry, TimeProvider time)
{
    public const int MaxWordLength = 64;
    public const int MaxOfferKeyLength = 320;
    public const int MaxIdLength = 256;

    /// <summary>The dearest instance-hour of any real offer is a few hundred dollars (8-GPU and TPU-slice hosts).</summary>
    public const decimal MaxPricePerInstanceHour = 10_000m;

    /// <summary>How far a version may run ahead of the clock's Unix seconds (the deployables number versions from it).</summary>
    public const long MaxVersionLead = 1_000_000;

    /// <summary>A version announces at most this many changes or offers (the largest catalog has a few tens of thousands).</summary>
    public const int MaxCount = 10_000_000;

    /// <summary>Changes one <see cref="CatalogVersionChanges"/> part may carry (publishers split at <see cref="CatalogVersionChanges.Split"/>).</summary>
    public const int MaxChangesPerPart = 5_000;

    private static readonly SearchValues<char> WordChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_");
    private static readonly SearchValues<char> IdChars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+ ");

    /// <summary>Every problem with <paramref name="change"/>; empty when it may be applied.</summary>
    public IReadOnlyList<string> Check(AcceleratorPriceChanged change)
    {
        var problems = new List<string>();
        Word(problems, "provider", change.Provider);
        Word(problems, "region", change.Region);
        if (!Bounded(problems, "acceleratorId", change.AcceleratorId, MaxWordLength) || !registry.Contains(change.AcceleratorId))
        {
            problems.Add("acceleratorId is not a known accelerator");
        }

        if (!Bounded(problems, "pricingModel", change.PricingModel, MaxWordLength) || !PricingModels.IsKnown(change.PricingModel) || change.PricingModel.AsSpan().ContainsAnyExcept(WordChars))
        {
            problems.Add("pricingModel is not a known pricing model");
        }

        Version(problems, "catalogVersion", change.CatalogVersion);
        Bounded(problems, "offerKey", change.OfferKey, MaxOfferKeyLength);
        if (change.OfferKey is not null && (!Pricing.Catalog.OfferKey.TryParse(change.OfferKey, out var key)
            || key.Provider != change.Provider || key.Region != change.Region || key.PricingModel != change.PricingModel))
        {
            problems.Add("offerKey is not provider|region|zone|instance|model of this event");
        }

        if (change.Currency is not { Length: 3 } || !change.Currency.All(char.IsAsciiLetterUpper))
        {
            problems.Add("currency is not a three-letter code");
        }

        var (needsOld, needsNew) = change.Kind switch
        {
            ChangeKind.Added => (false, true),
            ChangeKind.Changed => (true, true),
            ChangeKind.Removed => (true, false),
            _ => (false, false),
        };
        if (!Enum.IsDefined(change.Kind))
        {
            problems.Add("kind is not Added, Changed or Removed");
        }

        if (needsOld != change.OldPricePerInstanceHour.HasValue || needsNew != change.NewPricePerInstanceHour.HasValue)
        {
            problems.Add($"a {change.Kind} change must carry {(needsOld ? "an old" : "no old")} and {(needsNew ? "a new" : "no new")} price");
        }

        Price(problems, "oldPricePerInstanceHour", change.OldPricePerInstanceHour);
        Price(problems, "newPricePerInstanceHour", change.NewPricePerInstanceHour);
        if (needsNew != change.Offer is not null)
        {
            problems.Add(needsNew ? "the offer is missing" : "a removal carries no offer");
        }

        if (change.Offer is { } offer)
        {
            CheckOffer(problems, change, offer);
        }

        var now = time.GetUtcNow();
        if (change.ObservedAt > now.AddDays(1) || change.ObservedAt.Year < 2000)
        {
            problems.Add("observedAt is not a plausible time");
        }

        return problems;
    }

    /// <summary>Every problem with <paramref name="published"/>; empty when it may be applied.</summary>
    public IReadOnlyList<string> Check(CatalogPublished published)
    {
        var problems = new List<string>();
        Word(problems, "provider", published.Provider);
        Version(problems, "catalogVersion", published.CatalogVersion);
        if (published.PreviousVersion < 0 || published.PreviousVersion >= published.CatalogVersion)
        {
            problems.Add("previousVersion is not 0 or below catalogVersion");
        }

        foreach (var (name, count) in new[]
        {
            ("offerCount", published.OfferCount), ("added", published.Added), ("changed", published.Changed),
            ("removed", published.Removed), ("quarantined", published.Quarantined),
        })
        {
            if (count is < 0 or > MaxCount)
            {
                problems.Add($"{name} is outside 0..{MaxCount}");
            }
        }

        if ((long)published.Added + published.Changed + published.Removed > MaxCount)
        {
            problems.Add($"the change count is above {MaxCount}");
        }

        if (published.AsOf > time.GetUtcNow().AddDays(1) || published.AsOf.Year < 2000)
        {
            problems.Add("asOf is not a plausible time");
        }

        return problems;
    }

    /// <summary>
    /// Every problem with a version part: its own fields, then each change it carries (which must be of its provider and
    /// version); empty when it may be applied. A part is one message, so one bad change rejects the part.
    /// </summary>
    public IReadOnlyList<string> Check(CatalogVersionChanges part)
    {
        var problems = new List<string>();
        Word(problems, "provider", part.Provider);
        Version(problems, "catalogVersion", part.CatalogVersion);
        if (part.PreviousVersion < 0 || part.PreviousVersion >= part.CatalogVersion)
        {
            problems.Add("previousVersion is not 0 or below catalogVersion");
        }

        if (part.Parts is < 1 or > MaxCount || part.Part < 1 || part.Part > part.Parts)
        {
            problems.Add("part is not within 1..parts");
        }

        if (part.ChangeCount is < 0 or > MaxCount || part.OfferCount is < 0 or > MaxCount || part.Quarantined is < 0 or > MaxCount)
        {
            problems.Add($"changeCount, offerCount or quarantined is outside 0..{MaxCount}");
        }

        if (part.AsOf > time.GetUtcNow().AddDays(1) || part.AsOf.Year < 2000)
        {
            problems.Add("asOf is not a plausible time");
        }

        if (part.Changes is null || part.Changes.Length > MaxChangesPerPart || part.Changes.Length > part.ChangeCount)
        {
            problems.Add($"changes is missing, longer than {MaxChangesPerPart} or longer than changeCount");
            return problems;
        }

        for (var i = 0; i < part.Changes.Length; i++)
        {
            var change = part.Changes[i];
            if (change is null || change.Provider != part.Provider || change.CatalogVersion != part.CatalogVersion)
            {
                problems.Add("a change is not of this part's provider and version");
                break;
            }

            var own = Check(change);
            if (own.Count > 0)
            {
                problems.AddRange(own.Take(10).Select(p => $"changes[{i}]: {p}"));
                break;
            }
        }

        return problems;
    }

    private void CheckOffer(List<string> problems, AcceleratorPriceChanged change, OfferSnapshot offer)
    {
        if (offer.Provider != change.Provider || offer.Region != change.Region || offer.AcceleratorId != change.AcceleratorId
            || offer.PricingModel != change.PricingModel || offer.Currency != change.Currency)
        {
            problems.Add("the offer's provider, region, accelerator, pricing model or currency differ from the event's");
        }

        if (Bounded(problems, "offer.instanceType", offer.InstanceType, MaxIdLength) && offer.InstanceType.AsSpan().ContainsAnyExcept(IdChars))
        {
            problems.Add("offer.instanceType has characters outside letters, digits and -_.:/+");
        }

        if (offer.Zone is not null)
        {
            Word(problems, "offer.zone", offer.Zone);
        }

        if (change.OfferKey is not null && offer.InstanceType is not null && offer.OfferKey != change.OfferKey)
        {
            problems.Add("offerKey is not the offer's key");
        }

        if (offer.PricePerInstanceHour != change.NewPricePerInstanceHour)
        {
            problems.Add("the offer's price is not the new price");
        }

        if (offer.AcceleratorsPerInstance is <= 0 or > 1024 || offer.Vcpus is < 0 or > 100_000 || offer.MemoryGib is < 0 or > 1_000_000)
        {
            problems.Add("the offer's accelerator count, vCPUs or memory are out of range");
        }

        if (offer.SkuId?.Length > MaxIdLength || offer.MeterId?.Length > MaxIdLength)
        {
            problems.Add($"offer.skuId or offer.meterId is longer than {MaxIdLength} characters");
        }
    }

    private void Version(List<string> problems, string name, long version)
    {
        var ceiling = time.GetUtcNow().ToUnixTimeSeconds() + MaxVersionLead;
        if (version < 1 || version > ceiling)
        {
            problems.Add($"{name} is outside 1..{ceiling} (the clock's seconds plus {MaxVersionLead})");
        }
    }

    private static void Price(List<string> problems, string name, decimal? price)
    {
        if (price is { } p && (p <= 0 || p > MaxPricePerInstanceHour))
        {
            problems.Add($"{name} is outside (0, {MaxPricePerInstanceHour}]");
        }
    }

    private static void Word(List<string> problems, string name, string? value)
    {
        if (Bounded(problems, name, value, MaxWordLength) && value!.AsSpan().ContainsAnyExcept(WordChars))
        {
            problems.Add($"{name} is not a lowercase word (a-z, 0-9, '-', '_')");
        }
    }

    /// <summary>False (with the problem recorded) when <paramref name="value"/> is empty or longer than <paramref name="max"/>.</summary>
    private static bool Bounded(List<string> problems, string name, string? value, int max)
    {
        if (string.IsNullOrEmpty(value) || value.Length > max)
        {
            problems.Add($"{name} is empty or longer than {max} characters");
            return false;
        }

        return true;
    }
}

/// <summary>
/// An event that breaks <see cref="PriceEventRules"/>: never retried, so MassTransit moves it to the queue's
/// <c>_error</c> queue at once, where an operator can see it. The message lists the rules, never the event's values.
/// </summary>
public sealed class InvalidPriceEventException(string eventName, IReadOnlyList<string> problems)
    : Exception($"Rejected {eventName}: {string.Join("; ", problems.Take(10))}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
