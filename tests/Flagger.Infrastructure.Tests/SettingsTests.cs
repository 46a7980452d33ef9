using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Prometheus;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.State;
using Flagger.Infrastructure.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests;

/// <summary>
/// Every adapter's settings are checked at start (the registrations' own ValidateOnStart), and each rule's
/// message names the setting as the user writes it (<c>Section__Name</c>) and the value given, unless it is a secret.
/// </summary>
public sealed class SettingsTests
{
    private static readonly Dictionary<string, string?> s_valid = new()
    {
        ["StateStore:ConnectionString"] = "UseDevelopmentStorage=true",
        ["Prometheus:Address"] = "http://prometheus.monitoring:9090",
    };

    [Fact]
    public void Adapters_ValidSettings_PassTheStartupCheck()
    {
        using var provider = Build(new()
        {
            ["Registry:WatchNamespaces"] = "prod, team-a",
            ["Alerts:SlackUrl"] = "",
            ["Kubernetes:Server"] = "https://aks.example:443",
            ["Kubernetes:UseEntraId"] = "true",
            ["Webhooks:EventWebhookUrl"] = "https://events.example/hook",
        });

        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Adapters_TheSampleSettings_PassTheStartupCheck_TheirEmptyValuesUnset()
    {
        using var provider = Build(SampleSettings());

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Null(provider.GetRequiredService<IOptions<KubernetesOptions>>().Value.Server);
        Assert.Null(provider.GetRequiredService<IOptions<StateStoreOptions>>().Value.ServiceUri);
    }

    [Theory]
    [InlineData("Registry:WatchNamespaces", "prod,Team_A", "Registry__WatchNamespaces must be comma-separated namespace names (lowercase letters, digits and '-', at most 63 characters), got \"prod,Team_A\"")]
    [InlineData("Kubernetes:RequestTimeout", "30s", "Kubernetes__RequestTimeout must be a duration written [d.]hh:mm:ss[.fff] (00:00:30 is 30 seconds), got \"30s\"")]
    [InlineData("Kubernetes:RequestTimeout", "-00:00:01", "Kubernetes__RequestTimeout must be a positive duration, got \"-00:00:01\"")]
    [InlineData("Kubernetes:UseEntraId", "yes", "Kubernetes__UseEntraId must be true or false, got \"yes\"")]
    [InlineData("Kubernetes:UseEntraId", "true", "Kubernetes__UseEntraId needs Kubernetes__Server, the API server to send Entra ID tokens to, got \"true\"")]
    [InlineData("Kubernetes:CertificateAuthorityData", "not base64!", "Kubernetes__CertificateAuthorityData must be the cluster CA's PEM in base64 (certificate-authority-data of a kubeconfig), got \"not base64!\"")]
    [InlineData("Prometheus:Address", "prometheus:9090", "Prometheus__Address must be an absolute http or https URL, got \"prometheus:9090\"")]
    [InlineData("Prometheus:Timeout", "00:10:00", "Prometheus__Timeout must be between 00:00:00.1000000 and 00:05:00, got \"00:10:00\"")]
    [InlineData("Prometheus:AzureMonitorAuthentication", "Sometimes", "Prometheus__AzureMonitorAuthentication must be one of Auto, Always, Never, got \"Sometimes\"")]
    [InlineData("Alerts:Timeout", "00:00:00", "Alerts__Timeout must be between 00:00:01 and 00:01:00, got \"00:00:00\"")]
    [InlineData("Alerts:TeamsProxyUrl", "ftp://proxy", "Alerts__TeamsProxyUrl must be an absolute http or https URL, got \"ftp://proxy\"")]
    [InlineData("Webhooks:MaxFailureBodyLength", "8", "Webhooks__MaxFailureBodyLength must be between 16 and 4096, got \"8\"")]
    [InlineData("Webhooks:GateTimeout", "00:00:00", "Webhooks__GateTimeout must be between 00:00:01 and 365.00:00:00, got \"00:00:00\"")]
    [InlineData("Webhooks:GateTimeout", "2h", "Webhooks__GateTimeout must be a duration written [d.]hh:mm:ss[.fff] (00:00:30 is 30 seconds), got \"2h\"")]
    [InlineData("StateStore:MaxRetries", "11", "StateStore__MaxRetries must be between 0 and 10, got \"11\"")]
    [InlineData("StateStore:DeliveryTtl", "2d", "StateStore__DeliveryTtl must be a duration written [d.]hh:mm:ss[.fff] (00:00:30 is 30 seconds), got \"2d\"")]
    public void Adapters_BadSetting_FailAtStartNamingTheSettingAndValue(string key, string value, string expected)
    {
        using var provider = Build(new() { [key] = value });

        var failures = Failures(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, failures);
    }

    [Theory]
    [InlineData("Alerts:SlackUrl", "hooks.slack.example/T0/s3cret", "Alerts__SlackUrl must be an absolute http or https URL")]
    [InlineData("Alerts:TeamsUrl", "outlook.example/webhook/s3cret", "Alerts__TeamsUrl must be an absolute http or https URL")]
    [InlineData("Webhooks:EventWebhookUrl", "events.example/s3cret", "Webhooks__EventWebhookUrl must be an absolute http or https URL")]
    public void Adapters_BadSecretSetting_FailWithoutEchoingTheValue(string key, string value, string expected)
    {
        using var provider = Build(new() { [key] = value });

        var failures = Failures(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, failures);
        Assert.DoesNotContain(failures, failure => failure.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void Adapters_SeveralBadSettings_ReportEveryOne()
    {
        using var provider = Build(new() { ["Registry:WatchNamespaces"] = "A", ["Webhooks:MaxFailureBodyLength"] = "1", ["StateStore:MaxRetries"] = "99" });

        var failures = Failures(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public void AddSettings_EveryOptionsClass_IsValidatedAtStart()
    {
        using var provider = Build([]);

        foreach (var type in new[] { typeof(KubernetesOptions), typeof(PrometheusOptions), typeof(WebhookOptions), typeof(AlertOptions), typeof(StateStoreOptions), typeof(RegistryOptions) })
        {
            var validators = provider.GetServices(typeof(IValidateOptions<>).MakeGenericType(type));
            Assert.Contains(validators, v => v!.GetType() == typeof(SettingsValidator<>).MakeGenericType(type));
        }
    }

    /// <summary>local.settings.sample.json's values, as the Functions host turns them into configuration (<c>__</c> is <c>:</c>).</summary>
    private static Dictionary<string, string?> SampleSettings()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Flagger.Functions.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("no Flagger.Functions.sln above the test assembly");
        }

        using var sample = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root.FullName, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(s_valid).AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddKubernetes().AddPrometheusMetrics().AddWebhooks().AddEventWebhooks().AddAlerts().AddTableState().AddRegistryEvents();
        return services.BuildServiceProvider();
    }

    /// <summary>ValidateOnStart throws one exception per failing options class, aggregated when several fail.</summary>
    private static List<string> Failures(Action validate)
    {
        var error = Assert.ThrowsAny<Exception>(validate);
        var exceptions = error is AggregateException aggregate ? aggregate.InnerExceptions : [error];
        return exceptions.Select(e => Assert.IsType<OptionsValidationException>(e)).SelectMany(e => e.Failures).ToList();
    }
}
