using Flagger.Rollouts;
using Flagger.Functions.Triggers;
using Flagger.Infrastructure.Registry;
using Flagger.Sandbox.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Flagger.Functions.Tests;

/// <summary>The Function App's container: every function class and handler resolves from AddFlagger and the sample settings.</summary>
public sealed class CompositionTests
{
    [Fact]
    public async Task AddFlagger_WithTheSampleSettings_ResolvesEveryFunctionAndValidatesOptions()
    {
        await using var cluster = await FakeKubernetesApiServer.StartAsync();
        using var host = FunctionAppComposition.Build(cluster);
        var services = host.Services;

        Assert.NotNull(services.GetRequiredService<RolloutSteps>());
        Assert.NotNull(ActivatorUtilities.CreateInstance<RolloutActivities>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<CanaryApiFunctions>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<GateFunctions>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<MetricsFunction>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<SweepFunction>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<RegistryEventsFunction>(services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<RegistryWebhook>(services, new Testing.Registry.RecordingRolloutScheduler()));
        var validators = services.GetServices<IStartupValidator>();
        foreach (var validator in validators)
        {
            validator.Validate();
        }
    }

    [Fact]
    public void TheWorker_HoldsBackAspNetCoreRequestLines_WhichShowTheFunctionsKey()
    {
        var builder = Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFlagger();
        using var host = builder.Build();

        var requests = host.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger(Rollouts.Api.RequestLines.Category);

        Assert.False(requests.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
        Assert.True(requests.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Warning));
    }

    [Fact]
    public void TheWorker_WithAnApplicationInsightsConnectionString_ExportsTracesAndMetricsToAzureMonitorAsItsManagedIdentity()
    {
        const string connectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://ingest.invalid/";
        var builder = Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FunctionTelemetry.ConnectionStringSetting] = connectionString,
            [FunctionTelemetry.AuthenticationSetting] = "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD",
        });
        builder.ConfigureFlagger();
        using var host = builder.Build();

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        var exporter = host.Services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue;
        Assert.Equal(connectionString, exporter.ConnectionString);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(exporter.Credential);
    }

    [Fact]
    public void TheWorker_WithoutAnApplicationInsightsConnectionString_RegistersNoExporterOrProvider()
    {
        var builder = Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication.CreateBuilder([]);
        builder.ConfigureFlagger();
        using var host = builder.Build();

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.DoesNotContain(builder.Services, d => d.ServiceType.Assembly == typeof(AzureMonitorExporterOptions).Assembly
            || d.ImplementationType?.Assembly == typeof(AzureMonitorExporterOptions).Assembly);
    }

    [Theory]
    [InlineData("ClientId=abc;Authorization=AAD", "abc")]
    [InlineData("Authorization=aad; ClientId=abc", "abc")]
    [InlineData("Authorization=AAD", null)]
    [InlineData("ClientId=abc", null)]
    [InlineData("", null)]
    public void EntraClientId_IsTheClientIdOfAnAadAuthenticationString(string authentication, string? expected) =>
        Assert.Equal(expected, FunctionTelemetry.EntraClientId(authentication));

    [Fact]
    public void AddFlagger_WithoutAStateStore_FailsAtStartNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddFlagger();
        using var host = builder.Build();

        var error = Assert.ThrowsAny<Exception>(() =>
        {
            foreach (var validator in host.Services.GetServices<IStartupValidator>())
            {
                validator.Validate();
            }
        });

        Assert.Contains("StateStore", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheFunctionApp_WithBadSettings_FailsAtStartNamingThemAsFlaggerHostDoes()
    {
        var builder = Microsoft.Azure.Functions.Worker.Builder.FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StateStore:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Registry:WatchNamespaces"] = "prod,Staging_1",
            ["Prometheus:Timeout"] = "5s",
        });
        builder.ConfigureFlagger();
        using var host = builder.Build();

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        var failures = (error is AggregateException aggregate ? aggregate.InnerExceptions : [error])
            .SelectMany(e => Assert.IsType<OptionsValidationException>(e).Failures)
            .ToList();
        Assert.Contains("Registry__WatchNamespaces must be comma-separated namespace names (lowercase letters, digits and '-', at most 63 characters), got \"prod,Staging_1\"", failures);
        Assert.Contains("Prometheus__Timeout must be a duration written [d.]hh:mm:ss[.fff] (00:00:30 is 30 seconds), got \"5s\"", failures);
    }
}
