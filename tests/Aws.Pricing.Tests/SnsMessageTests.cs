using System.Text;
using Aws.Pricing.Notifications;

namespace Aws.Pricing.Tests;

/// <summary>The pure parts of the SNS subscriber: the message model, the string to sign, host patterns, the price-list message.</summary>
public sealed class SnsMessageTests
{
    private static SnsMessage Parse(string json) =>
        SnsMessage.TryParse(Encoding.UTF8.GetBytes(json), out var problem) ?? throw new InvalidOperationException(problem);

    [Fact]
    public void A_notification_signs_its_fields_in_name_order_with_the_subject_only_when_present()
    {
        const string withSubject = """{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:t","Subject":"S","Message":"line 1\nline 2","Timestamp":"2026-12-07T00:00:00.000Z","SignatureVersion":"2","Signature":"c2ln","SigningCertURL":"https://sns.us-east-1.amazonaws.com/c.pem"}""";

        Assert.Equal("Message\nline 1\nline 2\nMessageId\nm-1\nSubject\nS\nTimestamp\n2026-12-07T00:00:00.000Z\nTopicArn\narn:t\nType\nNotification\n", Parse(withSubject).StringToSign());
        Assert.Equal("Message\nline 1\nline 2\nMessageId\nm-1\nTimestamp\n2026-12-07T00:00:00.000Z\nTopicArn\narn:t\nType\nNotification\n",
            Parse(withSubject.Replace("\"Subject\":\"S\",", "\"Subject\":null,", StringComparison.Ordinal)).StringToSign());
    }

    [Fact]
    public void A_confirmation_signs_SubscribeURL_and_Token_and_needs_them()
    {
        const string json = """{"Type":"SubscriptionConfirmation","MessageId":"m-2","Token":"tok","TopicArn":"arn:t","Message":"M","SubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription","Timestamp":"T","SignatureVersion":"1","Signature":"c2ln","SigningCertURL":"https://sns.us-east-1.amazonaws.com/c.pem"}""";

        Assert.Equal("Message\nM\nMessageId\nm-2\nSubscribeURL\nhttps://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription\nTimestamp\nT\nToken\ntok\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n", Parse(json).StringToSign());
        Assert.Null(SnsMessage.TryParse(Encoding.UTF8.GetBytes(json.Replace("\"Token\":\"tok\",", "", StringComparison.Ordinal)), out var problem));
        Assert.NotNull(problem);
    }

    [Theory]
    [InlineData("sns.*.amazonaws.com", "sns.us-east-1.amazonaws.com", true)]
    [InlineData("sns.*.amazonaws.com", "SNS.eu-west-1.AMAZONAWS.com", true)]
    [InlineData("sns.*.amazonaws.com.cn", "sns.cn-north-1.amazonaws.com.cn", true)]
    [InlineData("sns.*.amazonaws.com", "sns.us-east-1.amazonaws.com.evil.example", false)]
    [InlineData("sns.*.amazonaws.com", "evil.example/sns.us-east-1.amazonaws.com", false)]
    [InlineData("sns.*.amazonaws.com", "sns.a.b.amazonaws.com", false)]
    [InlineData("sns.*.amazonaws.com", "snsx.us-east-1.amazonaws.com", false)]
    public void Certificate_hosts_match_label_by_label(string pattern, string host, bool matches) =>
        Assert.Equal(matches, AwsNotificationOptions.HostMatches(pattern, host));

    [Fact]
    public void Only_https_urls_on_an_allowed_host_without_credentials_are_allowed()
    {
        var options = new AwsNotificationOptions();

        Assert.True(options.IsAllowedSnsUrl(new Uri("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem")));
        Assert.False(options.IsAllowedSnsUrl(new Uri("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem")));
        Assert.False(options.IsAllowedSnsUrl(new Uri("https://user@sns.us-east-1.amazonaws.com/x.pem")));
        Assert.False(options.IsAllowedSnsUrl(new Uri("https://sns.us-east-1.amazonaws.com.evil.example/x.pem")));
    }

    [Theory]
    [InlineData("""{"offerCode":"AmazonEC2","version":"20261206230000","regionCode":"us-west-2","url":{"JSON":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261206230000/us-west-2/index.json"}}""", "AmazonEC2", "us-west-2")]
    [InlineData("""{"offerCode":"AmazonEC2","version":"20261206230000","url":{"JSON":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261206230000/eu-west-1/index.json"}}""", "AmazonEC2", "eu-west-1")]
    [InlineData("""{"url":{"CSV":"/offers/v1.0/aws/AmazonEC2/20261206230000/us-gov-west-1/index.csv"}}""", "AmazonEC2", "us-gov-west-1")]
    [InlineData("""{"offerCode":"AmazonEC2","version":"20261206230000","url":{"JSON":"https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/20261206230000/index.json"}}""", "AmazonEC2", null)]
    [InlineData("""{"offerCode":"AmazonRDS","regionCode":"us-east-1"}""", "AmazonRDS", "us-east-1")]
    public void A_price_list_message_names_its_offer_file_in_the_regional_or_the_whole_service_form(string message, string offerCode, string? region)
    {
        var change = PriceListNotification.TryParse(message);

        Assert.NotNull(change);
        Assert.Equal(offerCode, change.OfferCode);
        Assert.Equal(region, change.Region);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""["AmazonEC2"]""")]
    [InlineData("""{"version":"1"}""")]
    [InlineData("""{"offerCode":"AmazonEC2","regionCode":"../../etc"}""")]
    public void A_message_that_names_no_offer_file_is_not_a_change(string message) =>
        Assert.Null(PriceListNotification.TryParse(message));
}
