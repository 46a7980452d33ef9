using Flagger.Core.Model;
using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Webhooks;
using Flagger.Testing.Logging;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Tests.Support;

/// <summary>The adapters as the host wires them, with short retry delays and recording loggers.</summary>
internal static class TestServices
{
    public static ServiceProvider Build(
        Action<WebhookOptions>? webhooks = null,
        Action<AlertOptions>? alerts = null,
        IClusterResources? resources = null,
        Action<IServiceCollection>? more = null,
        IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build());
        services.AddSingleton(typeof(ILogger<>), typeof(RecordingLogger<>));
        services.AddWebhooks();
        services.AddAlerts();
        services.Configure<WebhookOptions>(o =>
        {
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
            webhooks?.Invoke(o);
        });
        services.Configure<AlertOptions>(o => alerts?.Invoke(o));
        services.AddSingleton(resources ?? new InMemoryClusterResources());
        more?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static RecordingLogger<T> Logger<T>(this IServiceProvider provider) =>
        (RecordingLogger<T>)provider.GetRequiredService<ILogger<T>>();

    public static Canary Canary(string name = "podinfo", string @namespace = "test", CanaryAnalysis? analysis = null, CanaryStatus? status = null) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
            Spec = new CanarySpec { Analysis = analysis ?? new CanaryAnalysis() },
            Status = status,
        };
}
