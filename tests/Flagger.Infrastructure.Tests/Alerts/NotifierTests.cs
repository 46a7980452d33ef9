using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Tests.Alerts;

public sealed class NotifierTests(ReceiverFixture fixture) : IClassFixture<ReceiverFixture>
{
    private static readonly Dictionary<string, string> s_fields = new()
    {
        ["Target"] = "Deployment/podinfo.test",
        ["Failed checks threshold"] = "5",
    };

    private static readonly SendAlert s_info = new(AlertSeverity.Info, "New revision detected, progressing canary analysis.", s_fields, CanaryPhase.Progressing);
    private static readonly SendAlert s_warn = new(AlertSeverity.Warn, "Canary is waiting for approval.", new Dictionary<string, string>(), CanaryPhase.Waiting);
    private static readonly SendAlert s_error = new(AlertSeverity.Error, "Failed checks threshold reached 5", new Dictionary<string, string>(), CanaryPhase.Failed);

    private readonly HttpReceiver _receiver = fixture.Receiver;

    [Fact]
    public async Task NotifyAsync_Slack_PostsAttachmentWithAuthorFieldsAndDefaults()
    {
        var resources = new InMemoryClusterResources().WithProvider("test", "slack", new AlertProviderSpec { Type = "slack", Address = Address("/slack/shape") });

        await NotifyAsync(resources, [Subscription("slack")], s_info);

        var root = Json(Assert.Single(_receiver.RequestsTo("/slack/shape")).Body);
        Assert.Equal("general", root.GetProperty("channel").GetString());
        Assert.Equal("flagger", root.GetProperty("username").GetString());
        Assert.Equal(":rocket:", root.GetProperty("icon_emoji").GetString());
        var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray());
        Assert.Equal("good", attachment.GetProperty("color").GetString());
        Assert.Equal("podinfo.test", attachment.GetProperty("author_name").GetString());
        Assert.Equal(s_info.Message, attachment.GetProperty("text").GetString());
        Assert.Equal(["text"], attachment.GetProperty("mrkdwn_in").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            [("Target", "Deployment/podinfo.test"), ("Failed checks threshold", "5")],
            attachment.GetProperty("fields").EnumerateArray().Select(f => (f.GetProperty("title").GetString(), f.GetProperty("value").GetString())));
    }

    [Fact]
    public async Task NotifyAsync_SlackError_IsDangerAndUsesChannelAndUsername()
    {
        var resources = new InMemoryClusterResources().WithProvider("test", "slack", new AlertProviderSpec
        {
            Type = "slack", Address = Address("/slack/error"), Channel = "on-call", Username = "canary-bot",
        });

        await NotifyAsync(resources, [Subscription("slack")], s_error);

        var root = Json(Assert.Single(_receiver.RequestsTo("/slack/error")).Body);
        Assert.Equal("on-call", root.GetProperty("channel").GetString());
        Assert.Equal("canary-bot", root.GetProperty("username").GetString());
        Assert.Equal("danger", root.GetProperty("attachments")[0].GetProperty("color").GetString());
    }

    [Fact]
    public async Task NotifyAsync_Discord_PostsSlackFormatToSlackEndpoint()
    {
        var resources = new InMemoryClusterResources().WithProvider("test", "discord", new AlertProviderSpec { Type = "discord", Address = Address("/discord/webhooks/1/abc") });

        await NotifyAsync(resources, [Subscription("discord")], s_error);

        var root = Json(Assert.Single(_receiver.RequestsTo("/discord/webhooks/1/abc/slack")).Body);
        Assert.Equal("danger", root.GetProperty("attachments")[0].GetProperty("color").GetString());
        Assert.Equal("podinfo.test", root.GetProperty("attachments")[0].GetProperty("author_name").GetString());
    }

    [Theory]
    [InlineData(AlertSeverity.Info, "#0076D7")]
    [InlineData(AlertSeverity.Error, "#FF0000")]
    public async Task NotifyAsync_Rocket_PostsSlackLikeWithRocketColors(AlertSeverity severity, string color)
    {
        var path = $"/rocket/{severity}";
        var resources = new InMemoryClusterResources().WithProvider("test", "rocket", new AlertProviderSpec { Type = "rocket", Address = Address(path) });

        await NotifyAsync(resources, [Subscription("rocket")], s_info with { Severity = severity });

        var root = Json(Assert.Single(_receiver.RequestsTo(path)).Body);
        Assert.Equal("general", root.GetProperty("channel").GetString());
        Assert.Equal(color, root.GetProperty("attachments")[0].GetProperty("color").GetString());
        Assert.Equal(2, root.GetProperty("attachments")[0].GetProperty("fields").GetArrayLength());
    }

    [Theory]
    [InlineData(AlertSeverity.Info, "0076D7")]
    [InlineData(AlertSeverity.Warn, "0076D7")]
    [InlineData(AlertSeverity.Error, "FF0000")]
    public async Task NotifyAsync_Teams_PostsMessageCardWithFacts(AlertSeverity severity, string theme)
    {
        var path = $"/teams/{severity}";
        var resources = new InMemoryClusterResources().WithProvider("test", "teams", new AlertProviderSpec { Type = "msteams", Address = Address(path) });

        await NotifyAsync(resources, [Subscription("teams")], s_info with { Severity = severity });

        var root = Json(Assert.Single(_receiver.RequestsTo(path)).Body);
        Assert.Equal("MessageCard", root.GetProperty("@type").GetString());
        Assert.Equal("http://schema.org/extensions", root.GetProperty("@context").GetString());
        Assert.Equal(theme, root.GetProperty("themeColor").GetString());
        Assert.Equal("podinfo.test", root.GetProperty("summary").GetString());
        var section = Assert.Single(root.GetProperty("sections").EnumerateArray());
        Assert.Equal(s_info.Message, section.GetProperty("activityTitle").GetString());
        Assert.Equal("podinfo.test", section.GetProperty("activitySubtitle").GetString());
        Assert.Equal(
            [("Target", "Deployment/podinfo.test"), ("Failed checks threshold", "5")],
            section.GetProperty("facts").EnumerateArray().Select(f => (f.GetProperty("name").GetString(), f.GetProperty("value").GetString())));
    }

    [Fact]
    public async Task NotifyAsync_GoogleChat_PostsCardWithMessageAndFieldSections()
    {
        var resources = new InMemoryClusterResources().WithProvider("test", "chat", new AlertProviderSpec { Type = "gchat", Address = Address("/gchat") });

        await NotifyAsync(resources, [Subscription("chat")], s_info);

        var card = Assert.Single(Json(Assert.Single(_receiver.RequestsTo("/gchat")).Body).GetProperty("cards").EnumerateArray());
        Assert.Equal("Flagger", card.GetProperty("header").GetProperty("title").GetString());
        Assert.Equal("podinfo.test", card.GetProperty("header").GetProperty("subtitle").GetString());
        var texts = card.GetProperty("sections").EnumerateArray()
            .Select(s => s.GetProperty("widgets")[0].GetProperty("textParagraph").GetProperty("text").GetString())
            .ToList();
        Assert.Equal(
            [
                $"<font color=#848484><strong>{s_info.Message}</strong></font>",
                "Target<br><font color=#848484><strong>Deployment/podinfo.test</strong></font>",
                "Failed checks threshold<br><font color=#848484><strong>5</strong></font>",
            ],
            texts);
    }

    [Theory]
    [InlineData(null, AlertSeverity.Info, true)]
    [InlineData("", AlertSeverity.Info, true)]
    [InlineData("info", AlertSeverity.Info, true)]
    [InlineData("info", AlertSeverity.Error, true)]
    [InlineData("warn", AlertSeverity.Info, false)]
    [InlineData("warn", AlertSeverity.Warn, true)]
    [InlineData("warn", AlertSeverity.Error, true)]
    [InlineData("error", AlertSeverity.Info, false)]
    [InlineData("error", AlertSeverity.Warn, false)]
    [InlineData("error", AlertSeverity.Error, true)]
    public async Task NotifyAsync_SubscriptionSeverity_FiltersAlerts(string? subscribed, AlertSeverity severity, bool sent)
    {
        var path = $"/severity/{subscribed ?? "null"}/{severity}";
        var resources = new InMemoryClusterResources().WithProvider("test", "slack", new AlertProviderSpec { Type = "slack", Address = Address(path) });

        await NotifyAsync(resources, [Subscription("slack", severity: subscribed)], s_info with { Severity = severity });

        Assert.Equal(sent ? 1 : 0, _receiver.RequestsTo(path).Count);
    }

    [Fact]
    public async Task NotifyAsync_SecretRef_AddressOverridesAndTokenIsBearer()
    {
        var resources = new InMemoryClusterResources()
            .WithProvider("test", "bot", new AlertProviderSpec { Type = "slack", Address = Address("/secret/ignored"), SecretRef = new SecretReference { Name = "slack-bot" } })
            .WithSecret("test", "slack-bot", new Dictionary<string, string> { ["address"] = Address("/secret/from-secret"), ["token"] = "xoxb-123" });

        await NotifyAsync(resources, [Subscription("bot")], s_info);

        Assert.Empty(_receiver.RequestsTo("/secret/ignored"));
        Assert.Equal("Bearer xoxb-123", Assert.Single(_receiver.RequestsTo("/secret/from-secret")).Headers["Authorization"]);
    }

    [Fact]
    public async Task NotifyAsync_SecretWithoutAddress_UsesSpecAddressWithoutToken()
    {
        var resources = new InMemoryClusterResources()
            .WithProvider("test", "teams", new AlertProviderSpec { Type = "msteams", Address = Address("/secret/spec-address"), SecretRef = new SecretReference { Name = "empty" } })
            .WithSecret("test", "empty", new Dictionary<string, string>());

        await NotifyAsync(resources, [Subscription("teams")], s_info);

        Assert.False(Assert.Single(_receiver.RequestsTo("/secret/spec-address")).Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task NotifyAsync_ProviderRefNamespace_LooksUpThere()
    {
        var resources = new InMemoryClusterResources()
            .WithProvider("flagger-system", "shared", new AlertProviderSpec { Type = "slack", Address = Address("/namespaced/shared") })
            .WithProvider("test", "shared", new AlertProviderSpec { Type = "slack", Address = Address("/namespaced/local") });

        await NotifyAsync(resources, [Subscription("shared", @namespace: "flagger-system")], s_info);

        Assert.Single(_receiver.RequestsTo("/namespaced/shared"));
        Assert.Empty(_receiver.RequestsTo("/namespaced/local"));
    }

    [Fact]
    public async Task NotifyAsync_FailingProviders_DoNotStopTheNextAndAreLogged()
    {
        _receiver.Answer("/chain/broken", new ReceiverAnswer(500, "internal error"));
        var resources = new InMemoryClusterResources()
            .WithProvider("test", "broken", new AlertProviderSpec { Type = "slack", Address = Address("/chain/broken") })
            .WithProvider("test", "closed", new AlertProviderSpec { Type = "slack", Address = $"http://127.0.0.1:{HttpReceiver.UnusedPort()}/hook" })
            .WithProvider("test", "working", new AlertProviderSpec { Type = "msteams", Address = Address("/chain/working") });

        var logs = await NotifyAsync(resources, [Subscription("broken"), Subscription("closed"), Subscription("working")], s_error);

        Assert.Single(_receiver.RequestsTo("/chain/broken"));
        Assert.Single(_receiver.RequestsTo("/chain/working"));
        Assert.Contains(logs, e => e.EventId.Id == 4210 && e.Level == LogLevel.Error && e.Message.Contains("500: internal error", StringComparison.Ordinal));
        Assert.Contains(logs, e => e.EventId.Id == 4211 && e.Message.Contains("Connection refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NotifyAsync_SlowProvider_TimesOutAndIsLogged()
    {
        _receiver.Answer("/slow-chat", new ReceiverAnswer(200, Delay: TimeSpan.FromSeconds(10)));
        var resources = new InMemoryClusterResources().WithProvider("test", "slow", new AlertProviderSpec { Type = "slack", Address = Address("/slow-chat") });

        var logs = await NotifyAsync(resources, [Subscription("slow")], s_info, o => o.Timeout = TimeSpan.FromSeconds(1));

        Assert.Contains(logs, e => e.EventId.Id == 4211 && e.Message.Contains("timed out after 1s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NotifyAsync_UnknownProviderType_IsLoggedAndOthersStillSent()
    {
        var resources = new InMemoryClusterResources()
            .WithProvider("test", "generic", new AlertProviderSpec { Type = "generic", Address = Address("/unknown/generic") })
            .WithProvider("test", "slack", new AlertProviderSpec { Type = "slack", Address = Address("/unknown/after") });

        var logs = await NotifyAsync(resources, [Subscription("generic"), Subscription("slack")], s_info);

        Assert.Empty(_receiver.RequestsTo("/unknown/generic"));
        Assert.Single(_receiver.RequestsTo("/unknown/after"));
        var entry = Assert.Single(logs, e => e.EventId.Id == 4203);
        Assert.Contains("unknown type 'generic'", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_MissingProviderOrSecret_IsLoggedClearly()
    {
        var resources = new InMemoryClusterResources()
            .WithProvider("test", "no-secret", new AlertProviderSpec { Type = "slack", SecretRef = new SecretReference { Name = "gone" } });

        var logs = await NotifyAsync(resources, [Subscription("missing"), Subscription("no-secret")], s_info);

        Assert.Contains(logs, e => e.EventId.Id == 4200 && e.Message.Contains("AlertProvider test/missing", StringComparison.Ordinal));
        Assert.Contains(logs, e => e.EventId.Id == 4201 && e.Message.Contains("Secret test/gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NotifyAsync_Proxy_SendsThroughIt()
    {
        // The receiver plays the proxy: the chat host below does not resolve, so only a proxied request arrives.
        var resources = new InMemoryClusterResources().WithProvider("test", "proxied", new AlertProviderSpec
        {
            Type = "slack", Address = "http://chat.invalid/services/T1/B2", Proxy = _receiver.BaseAddress.ToString(),
        });

        await NotifyAsync(resources, [Subscription("proxied")], s_info);

        var request = Assert.Single(_receiver.RequestsTo("/services/T1/B2"));
        Assert.Equal("chat.invalid", request.Headers["Host"]);
    }

    [Fact]
    public async Task NotifyAsync_NoAlertsOnCanary_SendsEverythingToGlobalNotifiers()
    {
        await using var services = TestServices.Build(alerts: o =>
        {
            o.SlackUrl = Address("/global/slack");
            o.SlackToken = "xoxb-global";
            o.SlackChannel = "deploys";
            o.TeamsUrl = Address("/global/teams");
            o.ClusterName = "aks-prod";
        });

        await services.GetRequiredService<INotifier>().NotifyAsync(TestServices.Canary(), s_info, CancellationToken.None);

        var slack = Assert.Single(_receiver.RequestsTo("/global/slack"));
        Assert.Equal("Bearer xoxb-global", slack.Headers["Authorization"]);
        var root = Json(slack.Body);
        Assert.Equal("deploys", root.GetProperty("channel").GetString());
        Assert.Equal(
            ["Cluster", "Target", "Failed checks threshold"],
            root.GetProperty("attachments")[0].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("title").GetString()));
        Assert.Single(_receiver.RequestsTo("/global/teams"));
    }

    [Fact]
    public async Task NotifyAsync_CanaryWithAlerts_IgnoresGlobalNotifiers()
    {
        var resources = new InMemoryClusterResources().WithProvider("test", "slack", new AlertProviderSpec { Type = "slack", Address = Address("/global-ignored/own") });
        await using var services = TestServices.Build(resources: resources, alerts: o => o.SlackUrl = Address("/global-ignored/global"));

        await services.GetRequiredService<INotifier>().NotifyAsync(
            TestServices.Canary(analysis: new CanaryAnalysis { Alerts = [Subscription("slack", severity: "error")] }), s_info, CancellationToken.None);

        Assert.Empty(_receiver.RequestsTo("/global-ignored/own"));
        Assert.Empty(_receiver.RequestsTo("/global-ignored/global"));
    }

    [Fact]
    public async Task NotifyAsync_RejectedPost_LogsHostButNotSecretPath()
    {
        _receiver.Answer("/services/T000/B000/XXXXSECRET", new ReceiverAnswer(404, "no_team"));
        var resources = new InMemoryClusterResources().WithProvider("test", "slack", new AlertProviderSpec { Type = "slack", Address = Address("/services/T000/B000/XXXXSECRET") });

        var logs = await NotifyAsync(resources, [Subscription("slack")], s_info);

        var entry = Assert.Single(logs);
        Assert.Contains("404", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("XXXXSECRET", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_RejectedPostEchoingAddressAndToken_LogsNeither()
    {
        const string Token = "xoxb-1234-abcdefSECRET";
        _receiver.Answer("/chat/spaces/AAA/messages", new ReceiverAnswer(401,
            $$"""{"error":"invalid_auth for /chat/spaces/AAA/messages?key=gchat-KEY-42&token=gchat-TOKEN-42 with {{Token}}","see":"https://chat.example.com/x?token=other-77777"}"""));
        var address = Address("/chat/spaces/AAA/messages") + "?key=gchat-KEY-42&token=gchat-TOKEN-42";
        var resources = new InMemoryClusterResources().WithProvider("test", "gchat", new AlertProviderSpec { Type = "gchat", Address = address });

        var logs = await NotifyAsync(resources, [Subscription("gchat")], s_info);

        var entry = Assert.Single(logs);
        Assert.Contains("401", entry.Message, StringComparison.Ordinal);
        Assert.Contains("invalid_auth", entry.Message, StringComparison.Ordinal);
        foreach (var secret in new[] { "gchat-KEY-42", "gchat-TOKEN-42", "spaces/AAA", "abcdefSECRET", "other-77777" })
        {
            Assert.DoesNotContain(secret, entry.Message, StringComparison.Ordinal);
        }
    }

    private async Task<IReadOnlyList<Flagger.Testing.Logging.LogEntry>> NotifyAsync(
        InMemoryClusterResources resources, IList<CanaryAlert> alerts, SendAlert alert, Action<AlertOptions>? options = null)
    {
        await using var services = TestServices.Build(resources: resources, alerts: options);
        await services.GetRequiredService<INotifier>()
            .NotifyAsync(TestServices.Canary(analysis: new CanaryAnalysis { Alerts = alerts }), alert, CancellationToken.None);
        return services.Logger<Notifier>().Entries;
    }

    private static CanaryAlert Subscription(string provider, string? severity = null, string? @namespace = null) =>
        new() { Name = $"{provider}-alert", Severity = severity, ProviderRef = new CrossNamespaceObjectReference { Name = provider, Namespace = @namespace } };

    private string Address(string path) => _receiver.Url(path).ToString();

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();
}
