using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Infrastructure.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.Webhooks;

public sealed class RegistrationTests
{
    [Fact]
    public async Task AddWebhooksAndAlerts_AppSettings_BindTheirSections()
    {
        await using var services = TestServices.Build(configuration: new Dictionary<string, string?>
        {
            ["Webhooks:EventWebhookUrl"] = "http://events.example/hook",
            ["Webhooks:RetryMaxDelay"] = "00:00:10",
            ["Alerts:SlackUrl"] = "http://chat.example/services/x",
            ["Alerts:ClusterName"] = "aks-prod",
        });

        var webhooks = services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var alerts = services.GetRequiredService<IOptions<AlertOptions>>().Value;

        Assert.Equal("http://events.example/hook", webhooks.EventWebhookUrl);
        Assert.Equal(TimeSpan.FromSeconds(10), webhooks.RetryMaxDelay);
        Assert.Equal("http://chat.example/services/x", alerts.SlackUrl);
        Assert.Equal("aks-prod", alerts.ClusterName);
        Assert.Equal("general", alerts.SlackChannel);
    }

    [Fact]
    public async Task AddWebhooks_InvalidSetting_FailsValidationNamingIt()
    {
        await using var services = TestServices.Build(configuration: new Dictionary<string, string?> { ["Webhooks:MaxFailureBodyLength"] = "1" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<WebhookOptions>>().Value);

        Assert.Contains("MaxFailureBodyLength", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddEventWebhooks_WithoutEventRecorder_SaysWhatIsMissing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddWebhooks().AddEventWebhooks());

        Assert.Contains("IEventRecorder", error.Message, StringComparison.Ordinal);
    }
}
