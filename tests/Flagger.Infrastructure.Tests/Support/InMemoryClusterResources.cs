using System.Text;
using Flagger.Core.Model;
using Flagger.Infrastructure.Kubernetes;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Support;

/// <summary>AlertProviders, MetricTemplates and Secrets held in memory, keyed by namespace and name.</summary>
internal sealed class InMemoryClusterResources : IClusterResources
{
    private readonly Dictionary<(string, string), AlertProvider> _providers = [];
    private readonly Dictionary<(string, string), V1Secret> _secrets = [];
    private readonly Dictionary<(string, string), MetricTemplate> _templates = [];

    public InMemoryClusterResources WithProvider(string @namespace, string name, AlertProviderSpec spec)
    {
        _providers[(@namespace, name)] = new AlertProvider { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace }, Spec = spec };
        return this;
    }

    public InMemoryClusterResources WithSecret(string @namespace, string name, IReadOnlyDictionary<string, string> data)
    {
        _secrets[(@namespace, name)] = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
            Data = data.ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value)),
        };
        return this;
    }

    public Task<MetricTemplate?> GetMetricTemplateAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_templates.GetValueOrDefault((@namespace, name)));

    public Task<AlertProvider?> GetAlertProviderAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_providers.GetValueOrDefault((@namespace, name)));

    public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_secrets.GetValueOrDefault((@namespace, name)));
}
