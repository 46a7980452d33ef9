using Flagger.Core.Ports;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Prometheus;
using Flagger.Sandbox.Prometheus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>One real Prometheus for every test of the collection.</summary>
public sealed class PrometheusFixture : IAsyncLifetime
{
    private PrometheusServer? _server;

    public PrometheusServer Server => _server ?? throw new InvalidOperationException("Prometheus did not start");

    public async Task InitializeAsync() => _server = await PrometheusServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PrometheusCollection : ICollectionFixture<PrometheusFixture>
{
    public const string Name = "prometheus";
}

/// <summary>The provider as the app registers it (<see cref="PrometheusServiceCollectionExtensions.AddPrometheusMetrics"/>).</summary>
internal static class MetricServices
{
    public static ServiceProvider Build(IClusterResources cluster, string globalAddress, Action<IServiceCollection>? more = null,
        IDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["Prometheus:Address"] = globalAddress,
            })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton(cluster);
        more?.Invoke(services);
        services.AddPrometheusMetrics();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static IMetricProvider Provider(this ServiceProvider services) => services.GetRequiredService<IMetricProvider>();
}
