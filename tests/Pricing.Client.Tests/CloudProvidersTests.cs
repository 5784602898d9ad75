using Pricing.Catalog;

namespace Pricing.Client.Tests;

/// <summary>The providers list (Pricing.Catalog's Data/providers.json) every front end and the request rules read.</summary>
public sealed class CloudProvidersTests
{
    [Fact]
    public void Each_provider_has_an_id_a_name_a_colour_an_endpoint_and_a_source()
    {
        Assert.NotEmpty(CloudProviders.All);
        Assert.Equal(CloudProviders.All.Count, CloudProviders.Ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(CloudProviders.All, p =>
        {
            Assert.Matches("^[a-z0-9]+$", p.Id);
            Assert.False(string.IsNullOrWhiteSpace(p.DisplayName));
            Assert.Matches("^#[0-9a-f]{6}$", p.Colour);
            Assert.Equal("https", p.DefaultEndpoint.Scheme);
            Assert.False(string.IsNullOrWhiteSpace(p.Source));
        });
        Assert.Equal(CloudProviders.All.Count, CloudProviders.All.Select(p => p.Colour).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_request_fields_offer_the_listed_providers()
    {
        Assert.Equal(CloudProviders.Ids, TrainingRunFields.Get("clouds").Choices);
        Assert.Equal(CloudProviders.Ids, TrainingRunFields.Get("dataset-cloud").Choices);
        Assert.All(CloudProviders.Ids, id => Assert.Contains(id, CloudProviders.IdsInWords(), StringComparison.Ordinal));
    }
}
