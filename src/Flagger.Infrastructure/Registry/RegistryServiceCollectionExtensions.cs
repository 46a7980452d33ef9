using Flagger.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flagger.Infrastructure.Registry;

public static class RegistryServiceCollectionExtensions
{
    /// <summary>
    /// The registry webhook and its Kubernetes canary catalog. Needs <c>IKubernetes</c> (AddKubernetes), an
    /// <see cref="IRolloutStore"/>, an <see cref="IRolloutScheduler"/> and an <see cref="IEventRecorder"/> from their own registrations.
    /// </summary>
    public static IServiceCollection AddRegistryEvents(this IServiceCollection services)
    {
        services.AddSettings<RegistryOptions>(RegistryOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ICanaryCatalog, KubernetesCanaryCatalog>();
        services.TryAddSingleton<RegistryWebhook>();
        return services;
    }
}
