using Flagger.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flagger.Infrastructure.Alerts;

public static class AlertServiceCollectionExtensions
{
    /// <summary>The notifier and its HttpClient. Needs an <see cref="Kubernetes.IClusterResources"/> registration.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(Notifier.HttpClientName);
        services.TryAddSingleton<INotifier, Notifier>();
        return services;
    }
}
