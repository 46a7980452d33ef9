using System.Collections.Concurrent;
using System.Text;
using Flagger.Core.Model;
using Flagger.Infrastructure.Kubernetes;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>MetricTemplates and Secrets held in memory, keyed by namespace and name; counts reads.</summary>
internal sealed class InMemoryClusterResources : IClusterResources
{
    private readonly ConcurrentDictionary<(string, string), MetricTemplate> _templates = new();
    private readonly ConcurrentDictionary<(string, string), V1Secret> _secrets = new();

    public List<string> SecretReads { get; } = [];

    public MetricTemplate AddTemplate(string ns, string name, string query, string? address, string type = "prometheus", string? secretName = null,
        IDictionary<string, IList<string>>? headers = null, bool insecureSkipVerify = false)
    {
        var template = new MetricTemplate
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new MetricTemplateSpec
            {
                Query = query,
                Provider = new MetricProvider
                {
                    Type = type,
                    Address = address,
                    SecretRef = secretName is null ? null : new SecretReference { Name = secretName },
                    Headers = headers,
                    InsecureSkipVerify = insecureSkipVerify,
                },
            },
        };
        _templates[(ns, name)] = template;
        return template;
    }

    public void Add(MetricTemplate template) => _templates[(template.Metadata.NamespaceProperty, template.Metadata.Name)] = template;

    public void AddSecret(string ns, string name, IDictionary<string, string> data) =>
        _secrets[(ns, name)] = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Data = data.ToDictionary(d => d.Key, d => Encoding.UTF8.GetBytes(d.Value)),
        };

    public Task<MetricTemplate?> GetMetricTemplateAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_templates.GetValueOrDefault((@namespace, name)));

    public Task<AlertProvider?> GetAlertProviderAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult<AlertProvider?>(null);

    public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        lock (SecretReads)
        {
            SecretReads.Add($"{@namespace}/{name}");
        }

        return Task.FromResult(_secrets.GetValueOrDefault((@namespace, name)));
    }
}
