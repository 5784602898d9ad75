using Pricing.Contracts;
using Pricing.Contracts.V1;

namespace Quotes.Tests;

/// <summary>
/// The bundled catalogs on the embedded default, for capacity and price vintage (docs/quote-model.md §5b): every
/// option says how its capacity is had, README's first command is not topped by spot, the 2024 Capacity Block rates
/// say their age, and the published 1-year No Upfront Reserved Instance rates of p4d, p4de and trn1 are quoted.
/// </summary>
public sealed class BundledCapacityTests(StandaloneServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<TrainingQuote> QuoteAsync(QuoteTrainingRunRequest request)
    {
        request.View = QuoteView.Full;
        return server.Quotes.QuoteTrainingRunAsync(request, cancellationToken: Ct).ResponseAsync;
    }

    [Fact]
    public async Task Readmes_first_command_is_topped_by_an_obtainable_plan_not_spot_and_every_option_says_how_its_capacity_is_had()
    {
        var quote = await QuoteAsync(new QuoteTrainingRunRequest { Parameters = 70e9, Tokens = 1.4e12, AcceleratorIds = { "nvidia-h100-80gb" }, MaxOptions = 1000 });

        var top = quote.Options[0];
        Assert.True(top.Instances >= 4 && top.WallClockHours >= 14 * 24);
        Assert.NotEqual("spot", top.PricingModel);
        Assert.True(top.Capacity.Obtainable);
        Assert.All(quote.Options, o =>
        {
            Assert.NotEmpty(o.Capacity.Kind);
            Assert.NotEmpty(o.Capacity.Request);
            Assert.NotEmpty(o.Capacity.Source);
            Assert.Equal(o.Capacity.Obtainable, o.Capacity.Reason.Length == 0);
        });
        // No Capacity Block plan over the caps.
        Assert.All(quote.Options.Where(o => o.PricingModel == "capacity_block"), o =>
        {
            Assert.True(o.Instances <= 256);
            Assert.True(o.WallClockHours + 0.5 <= 182 * 24);
        });
        // The bundled Capacity Block rates were read in December 2024: each says how old it is.
        Assert.All(quote.Options.Where(o => o.PricingModel == "capacity_block"), o => Assert.StartsWith("Capacity Block rate as of 2024-12", o.Capacity.RateNote, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nvidia-a100-40gb", "p4d.24xlarge", "13.921094")]
    [InlineData("nvidia-a100-80gb", "p4de.24xlarge", "17.401365")]
    [InlineData("aws-trainium1", "trn1.32xlarge", "13.22895")]
    public async Task The_published_1_year_no_upfront_reserved_rates_are_quoted(string accelerator, string instanceType, string rate)
    {
        var request = new QuoteTrainingRunRequest
        {
            Parameters = 7e9, Tokens = 2e11, AcceleratorIds = { accelerator }, Clouds = { "aws" }, Regions = { "us-east-1" },
            PricingModels = { "committed_1y" }, MaxOptions = 10,
        };

        var quote = await QuoteAsync(request);

        var option = Assert.Single(quote.Options, o => o.InstanceType == instanceType);
        Assert.Equal(decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture), option.PricePerInstanceHour.ToDecimal());
        Assert.Equal("commitment", option.Commitment.Kind);
        Assert.StartsWith("commitment", option.Capacity.Kind, StringComparison.Ordinal);
    }
}
