using Flagger.Core.Model;
using Flagger.Testing.Canaries;

namespace Flagger.Rollouts.Tests;

/// <summary>The Canary a begun tick stores: webhook addresses cut to scheme and host, taken back from the live Canary of the same generation.</summary>
public sealed class WebhookRedactionTests
{
    private static Canary Canary(params CanaryWebhook[] webhooks)
    {
        var canary = Podinfo.Canary().WithAnalysis(a => a.Webhooks = [.. webhooks]).Build();
        canary.Metadata.Uid = "6f0c";
        canary.Metadata.Generation = 3;
        return canary;
    }

    private static CanaryWebhook Hook(string name, string url, string type = WebhookType.Rollout) =>
        new() { Name = name, Type = type, Url = url, Metadata = new Dictionary<string, string> { ["token"] = "t0ken" } };

    [Theory]
    [InlineData("https://hooks.test:8443/run/s3cret?sig=abc", "https://hooks.test:8443/")]
    [InlineData("http://user:pa55@hooks.test/run", "http://hooks.test/")]
    [InlineData("http://[::1]:9090/x?y=z", "http://[::1]:9090/")]
    [InlineData("ftp://hooks.test/s3cret", "redacted:unusable")]
    [InlineData("not a url s3cret", "redacted:unusable")]
    [InlineData("", "")]
    public void Redact_KeepsSchemeAndAuthorityOnly_AndTheCanaryValidatesAsBefore(string url, string redacted)
    {
        var canary = Canary(Hook("load", url));

        var result = WebhookRedaction.Redact(canary);

        var webhook = Assert.Single(result.Analysis.Webhooks!);
        Assert.Equal((redacted, null), (webhook.Url, webhook.Metadata));
        Assert.Equal(CanaryValidator.Validate(canary).Summary(), CanaryValidator.Validate(result).Summary());
        Assert.Equal(url, canary.Analysis.Webhooks![0].Url);
    }

    [Fact]
    public void Restore_SameGeneration_GivesEveryHookItsUrlAndMetadataBack_InOrder()
    {
        var live = Canary(Hook("load", "http://a.test/1?sig=x"), Hook("load", "http://b.test/2"));

        var restored = WebhookRedaction.Restore(WebhookRedaction.Redact(live), live);

        Assert.Equal(["http://a.test/1?sig=x", "http://b.test/2"], restored!.Analysis.Webhooks!.Select(w => w.Url));
        Assert.All(restored.Analysis.Webhooks!, w => Assert.Equal("t0ken", w.Metadata!["token"]));
    }

    [Fact]
    public void Restore_FromAnotherGeneration_OrAnotherCanary_GivesNothing()
    {
        var live = Canary(Hook("load", "http://a.test/1"));
        var redacted = WebhookRedaction.Redact(live);
        var changed = Canary(Hook("load", "http://a.test/2"));
        changed.Metadata.Generation = 4;
        var recreated = Canary(Hook("load", "http://a.test/1"));
        recreated.Metadata.Uid = "9e21";

        Assert.Null(WebhookRedaction.Restore(redacted, changed));
        Assert.Null(WebhookRedaction.Restore(redacted, recreated));
    }
}
