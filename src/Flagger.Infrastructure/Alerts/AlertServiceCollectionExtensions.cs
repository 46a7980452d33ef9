using Flagger.Core.Ports;
using Flagger.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Flagger.Infrastructure.Alerts;

public static class AlertServiceCollectionExtensions
{
    /// <summary>The notifier and its HttpClient, which logs scheme and host only (chat URLs embed their secret). Needs an <see cref="Kubernetes.IClusterResources"/> registration.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddSettings<AlertOptions>(AlertOptions.Section);
        HostOnlyHttpClientLogger.Apply(services.AddHttpClient(Notifier.HttpClientName));
        services.TryAddSingleton<INotifier, Notifier>();
        return services;
    }
}
