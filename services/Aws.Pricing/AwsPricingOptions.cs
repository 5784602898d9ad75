namespace Aws.Pricing;

/// <summary>Configuration section <c>Aws</c>.</summary>
public sealed class AwsPricingOptions
{
    public const string Section = "Aws";

    /// <summary>"Snapshot" (the bundled recording; the default, works offline) or "Http" (the live Price List Bulk API).</summary>
    public string Source { get; set; } = "Snapshot";

    /// <summary>Base URL of the Price List Bulk API (default: the providers.json row); the offer index is <c>offers/v1.0/aws/index.json</c> under it.</summary>
    public Uri BaseUrl { get; set; } = global::Pricing.Catalog.CloudProviders.Get(AwsOfferMapper.Provider).DefaultEndpoint;

    /// <summary>
    /// Regions whose EC2 offer files are read; empty means <see cref="DefaultRegions"/>. Each file holds one
    /// region's whole EC2 price list (us-east-1 is ~450 MB), so this is where accelerated instances are sold,
    /// not every region. (Empty by default because the configuration binder appends to a pre-filled list.)
    /// </summary>
    public List<string> Regions { get; set; } = [];

    /// <summary>The regions to read: <see cref="Regions"/>, or <see cref="DefaultRegions"/> when none is configured.</summary>
    public IReadOnlyList<string> EffectiveRegions => Regions.Count > 0 ? Regions : DefaultRegions;

    /// <summary>
    /// The public feed behind the EC2 Spot pricing page: JSONP <c>callback({...})</c>, per region and instance
    /// type, the lowest current price in the region. No credentials.
    /// </summary>
    public Uri SpotFeedUrl { get; set; } = new("https://website.spot.ec2.aws.a2z.com/spot.js");

    /// <summary>
    /// Read the spot feed. When it is on and the feed fails, the whole scrape fails (see README: otherwise every
    /// spot offer would be published as removed). Turn it off to keep publishing on-demand and reserved prices
    /// without spot; the source's description then says spot is disabled.
    /// </summary>
    public bool SpotEnabled { get; set; } = true;

    /// <summary>
    /// Read the Savings Plans rate files (the offer index's <c>currentSavingsPlanIndexUrl</c> → the Savings Plans
    /// region index → each scraped region's rate file) for <c>savings_plan_*</c> offers. A failure fails the scrape,
    /// as for spot (the offers would otherwise be published as removed). Off: the scrape notes it and has none.
    /// </summary>
    public bool SavingsPlansEnabled { get; set; } = true;

    /// <summary>
    /// Every region where the SkyPilot AWS catalog (skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv @ 00148f2a)
    /// lists a P3dn/P4d/P4de/P5/P5e/P5en/P6/Trn1/Trn1n/Trn2, g5.12xlarge, g6.48xlarge or g6e.48xlarge
    /// instance: the regions of the bundled snapshot
    /// (Snapshot/README.md), and the breadth test's expected list.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultRegions =
    [
        "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "me-central-1",
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ];
}
