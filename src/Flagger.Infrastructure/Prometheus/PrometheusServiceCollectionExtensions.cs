using System.Net.Security;
using Azure.Core;
using Azure.Identity;
using Flagger.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Prometheus;

public static class PrometheusServiceCollectionExtensions
{
    /// <summary>
    /// The Prometheus metric provider as <see cref="IMetricProvider"/>, with <see cref="PrometheusOptions"/>
    /// from the <c>Prometheus</c> section. Needs an <see cref="Kubernetes.IClusterResources"/>; uses the
    /// registered <see cref="TokenCredential"/> for Azure Monitor, or <see cref="DefaultAzureCredential"/>.
    /// </summary>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services)
    {
        services.AddSettings<PrometheusOptions>(PrometheusOptions.Section);

        services.AddHttpClient(PrometheusClient.HttpClientName)
            .AddStandardResilienceHandler()
            .Configure(ConfigureResilience)
            .SelectPipelineByAuthority();

        services.AddHttpClient(PrometheusClient.InsecureHttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    // insecureSkipVerify: the MetricTemplate asked for it explicitly.
                    RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                },
            })
            .AddStandardResilienceHandler()
            .Configure(ConfigureResilience)
            .SelectPipelineByAuthority();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        services.TryAddSingleton<AzureMonitorTokenCache>();
        services.TryAddSingleton<PrometheusClient>();
        services.TryAddSingleton<MetricQueryRenderer>();
        services.TryAddSingleton<IMetricProvider, PrometheusMetricProvider>();
        return services;
    }

    /// <summary>
    /// The whole query, retries included, fits in <see cref="PrometheusOptions.Timeout"/> (Flagger's 5 s);
    /// a refused connection is retried twice after short delays, so a Prometheus that is down fails in
    /// well under a second. Pipelines are per authority so one broken Prometheus does not open the circuit for others.
    /// </summary>
    private static void ConfigureResilience(HttpStandardResilienceOptions resilience, IServiceProvider services)
    {
        var timeout = services.GetRequiredService<IOptions<PrometheusOptions>>().Value.Timeout;
        resilience.TotalRequestTimeout.Timeout = timeout;
        resilience.AttemptTimeout.Timeout = timeout;
        resilience.Retry.MaxRetryAttempts = 2;
        resilience.Retry.Delay = TimeSpan.FromMilliseconds(100);
        resilience.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
        resilience.CircuitBreaker.SamplingDuration = timeout * 2 > TimeSpan.FromSeconds(30) ? timeout * 2 : TimeSpan.FromSeconds(30);
        resilience.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
    }
}
