using Flagger.Core.Analysis;
using Flagger.Rollouts.Api;
using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Prometheus;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.State;
using Flagger.Infrastructure.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flagger.Rollouts;

public static class FlaggerServiceCollectionExtensions
{
    /// <summary>
    /// Everything a rollout needs: the adapters (Kubernetes, Prometheus, webhooks and alerts, Table Storage,
    /// the registry webhook) and the steps of a tick, the API, the sweep and the metrics. The Function App and
    /// Flagger.Host both call it.
    /// </summary>
    public static IServiceCollection AddFlagger(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddKubernetes()
            .AddPrometheusMetrics()
            .AddWebhooks()
            .AddEventWebhooks()
            .AddAlerts()
            .AddTableState()
            .AddRegistryEvents();

        services.TryAddSingleton<CanaryObserver>();
        services.TryAddSingleton<CheckRunner>();
        services.TryAddSingleton<DecisionApplier>();
        services.TryAddSingleton<RolloutSteps>();
        services.TryAddSingleton<CanaryApi>();
        services.TryAddSingleton<CanarySweep>();
        services.TryAddSingleton<RolloutMetrics>();
        return services;
    }
}
