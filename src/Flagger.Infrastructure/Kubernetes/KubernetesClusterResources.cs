using System.Net;
using Flagger.Core.Model;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>Reads MetricTemplates, AlertProviders and Secrets through the API server.</summary>
public sealed class KubernetesClusterResources(IKubernetes client) : IClusterResources
{
    public Task<MetricTemplate?> GetMetricTemplateAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetCustomAsync<MetricTemplate>(MetricTemplate.KubePlural, @namespace, name, cancellationToken);

    public Task<AlertProvider?> GetAlertProviderAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GetCustomAsync<AlertProvider>(AlertProvider.KubePlural, @namespace, name, cancellationToken);

    public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        NullWhenMissing(() => client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken));

    private Task<T?> GetCustomAsync<T>(string plural, string @namespace, string name, CancellationToken cancellationToken)
        where T : class =>
        NullWhenMissing(() => client.CustomObjects.GetNamespacedCustomObjectAsync<T>(
            FlaggerApi.Group, FlaggerApi.Version, @namespace, plural, name, cancellationToken));

    private static async Task<T?> NullWhenMissing<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
