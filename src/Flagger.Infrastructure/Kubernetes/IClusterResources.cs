using Flagger.Core.Model;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The Kubernetes objects the analysis adapters read besides the canary itself: MetricTemplates,
/// AlertProviders and the Secrets they reference. Null means the object does not exist.
/// </summary>
public interface IClusterResources
{
    Task<MetricTemplate?> GetMetricTemplateAsync(string @namespace, string name, CancellationToken cancellationToken);

    Task<AlertProvider?> GetAlertProviderAsync(string @namespace, string name, CancellationToken cancellationToken);

    Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken);
}
