using Flagger.Core.Ports;
using Flagger.Infrastructure.Http;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// The webhook client (two named HttpClients: verifying and, for <c>disableTLS</c>, not verifying
    /// certificates), both logging scheme and host only, the in-memory gate store and the gate endpoints. Timeouts and retries are per hook, so
    /// they live in the client, not in a handler shared by all hooks.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSettings<WebhookOptions>(WebhookOptions.Section);
        services.TryAddSingleton(TimeProvider.System);

        HostOnlyHttpClientLogger.Apply(services.AddHttpClient(WebhookClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan));
        HostOnlyHttpClientLogger.Apply(services.AddHttpClient(WebhookClient.InsecureHttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(InsecureHandler));

        services.TryAddSingleton<IWebhookClient, WebhookClient>();
        services.TryAddSingleton<IGateStore, InMemoryGateStore>();
        services.TryAddSingleton<GateEndpoints>();
        return services;
    }

    /// <summary>
    /// Wraps the registered <see cref="IEventRecorder"/> (the Kubernetes one) so every event also goes to the
    /// event webhooks. Call after registering the recorder and <see cref="AddWebhooks"/>.
    /// </summary>
    public static IServiceCollection AddEventWebhooks(this IServiceCollection services)
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IEventRecorder))
            ?? throw new InvalidOperationException("Register an IEventRecorder before AddEventWebhooks.");
        services.Remove(inner);
        services.Add(ServiceDescriptor.Describe(
            typeof(IEventRecorder),
            provider => new EventWebhookRecorder(
                Resolve(provider, inner),
                provider.GetRequiredService<IWebhookClient>(),
                provider.GetRequiredService<IOptions<WebhookOptions>>(),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<EventWebhookRecorder>>()),
            inner.Lifetime));
        return services;
    }

    /// <summary>The handler behind <c>disableTLS: true</c>: any server certificate is accepted, as Flagger's InsecureSkipVerify.</summary>
    internal static SocketsHttpHandler InsecureHandler() => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    };

    private static IEventRecorder Resolve(IServiceProvider provider, ServiceDescriptor descriptor) => descriptor switch
    {
        { ImplementationInstance: IEventRecorder instance } => instance,
        { ImplementationFactory: { } factory } => (IEventRecorder)factory(provider),
        { ImplementationType: { } type } => (IEventRecorder)ActivatorUtilities.CreateInstance(provider, type),
        _ => throw new InvalidOperationException("Keyed IEventRecorder registrations are not supported by AddEventWebhooks."),
    };
}
