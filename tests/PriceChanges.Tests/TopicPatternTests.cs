using Pricing.Contracts.Events;

namespace PriceChanges.Tests;

/// <summary>The routing-pattern semantics gRPC watchers get must be RabbitMQ's topic semantics.</summary>
public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("*.*.nvidia-h100-80gb.spot", "aws.us-east-1.nvidia-h100-80gb.spot", true)]
    [InlineData("*.*.nvidia-h100-80gb.spot", "aws.us-east-1.nvidia-h100-80gb.on_demand", false)]
    [InlineData("aws.us-east-1.#", "aws.us-east-1.nvidia-h100-80gb.spot", true)]
    [InlineData("aws.us-east-1.#", "aws.us-east-2.nvidia-h100-80gb.spot", false)]
    [InlineData("aws.#", "aws", true)]
    [InlineData("#", "gcp.us-central1.google-tpu-v5p.committed_1y", true)]
    [InlineData("#.spot", "azure.eastus.nvidia-h100-80gb.spot", true)]
    [InlineData("#.spot", "azure.eastus.nvidia-h100-80gb.on_demand", false)]
    [InlineData("*.spot", "azure.eastus.nvidia-h100-80gb.spot", false)]
    [InlineData("azure.#.spot", "azure.spot", true)]
    [InlineData("azure.*.*.*", "azure.eastus.nvidia-h100-80gb", false)]
    public void Matches_like_an_AMQP_topic_binding(string pattern, string routingKey, bool expected) =>
        Assert.Equal(expected, TopicPattern.Matches(pattern, routingKey));

    [Theory]
    [InlineData("aws.#", true)]
    [InlineData("*.*.x.*", true)]
    [InlineData("", false)]
    [InlineData("aws..spot", false)]
    [InlineData("aws.spot*", false)]
    [InlineData("aws.#x", false)]
    public void Rejects_patterns_a_broker_would_not_read_the_same_way(string pattern, bool valid) =>
        Assert.Equal(valid, TopicPattern.IsValid(pattern));

    [Fact]
    public void A_dot_inside_a_routing_key_word_is_escaped_so_it_cannot_split_the_key()
    {
        var key = PriceChangeTopology.RoutingKey("aws", "us-east-1", "nvidia-h100-80gb", "reserved_1y.no-upfront");
        Assert.Equal(4, key.Split('.').Length);
        Assert.True(TopicPattern.Matches("aws.us-east-1.*.*", key));
    }
}
