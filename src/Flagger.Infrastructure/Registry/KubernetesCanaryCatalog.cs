using System.Net;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// Canaries and their target Deployments through the API server: the Canaries of the watched namespaces (all
/// when none are set) matching the label selector, each with its target's containers.
/// </summary>
public sealed class KubernetesCanaryCatalog(IKubernetes client, IOptions<RegistryOptions> options) : ICanaryCatalog
{
    private const int ParallelReads = 8;

    public async Task<IReadOnlyList<CanaryTarget>> ListAsync(CancellationToken cancellationToken)
    {
        var canaries = await ListCanariesAsync(cancellationToken);
        var targets = new CanaryTarget?[canaries.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, canaries.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (i, ct) => targets[i] = await ReadTargetAsync(canaries[i], ct));
        return targets.OfType<CanaryTarget>().ToList();
    }

    public async Task<CanaryTarget?> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var canary = await KubernetesErrors.NullWhenMissingAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<Canary>(
            FlaggerApi.Group, FlaggerApi.Version, @namespace, Canary.KubePlural, name, cancellationToken));
        return canary is null ? null : await ReadTargetAsync(canary, cancellationToken);
    }

    public async Task<ImagePatchOutcome> SetImageAsync(CanaryTarget target, string container, string image, DateTimeOffset pushedAt, CancellationToken cancellationToken)
    {
        if (target.ResourceVersion is null)
        {
            return ImagePatchOutcome.Conflict;
        }

        var body = TargetImagePatch.Build(container, image, target.ResourceVersion, pushedAt);
        try
        {
            await client.AppsV1.PatchNamespacedDeploymentAsync(
                new V1Patch(body, V1Patch.PatchType.StrategicMergePatch), target.Deployment, target.Namespace, cancellationToken: cancellationToken);
            return ImagePatchOutcome.Patched;
        }
        catch (HttpOperationException e) when (e.IsConflict())
        {
            return ImagePatchOutcome.Conflict;
        }
        catch (HttpOperationException e) when (e.IsNotFound())
        {
            return ImagePatchOutcome.NotFound;
        }
    }

    private async Task<IReadOnlyList<Canary>> ListCanariesAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var selector = string.IsNullOrWhiteSpace(settings.LabelSelector) ? null : settings.LabelSelector.Trim();
        var namespaces = settings.Namespaces();
        if (namespaces.Count == 0)
        {
            var all = await client.CustomObjects.ListClusterCustomObjectAsync<CanaryList>(
                FlaggerApi.Group, FlaggerApi.Version, Canary.KubePlural, labelSelector: selector, cancellationToken: cancellationToken);
            return [.. all.Items];
        }

        var canaries = new List<Canary>();
        foreach (var ns in namespaces.Order(StringComparer.Ordinal))
        {
            try
            {
                var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<CanaryList>(
                    FlaggerApi.Group, FlaggerApi.Version, ns, Canary.KubePlural, labelSelector: selector, cancellationToken: cancellationToken);
                canaries.AddRange(list.Items);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // A watched namespace that does not exist (yet) holds no canaries.
            }
        }

        return canaries;
    }

    private async Task<CanaryTarget?> ReadTargetAsync(Canary canary, CancellationToken cancellationToken)
    {
        var reference = canary.Spec.TargetRef;
        if (string.IsNullOrEmpty(reference.Name) || reference.Kind is not (null or "" or "Deployment"))
        {
            return null;
        }

        var ns = canary.Metadata.NamespaceProperty;
        var deployment = await KubernetesErrors.NullWhenMissingAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(reference.Name, ns, cancellationToken: cancellationToken));
        if (deployment is null)
        {
            return null;
        }

        var containers = (deployment.Spec?.Template?.Spec?.Containers ?? [])
            .Where(c => !string.IsNullOrEmpty(c.Image))
            .Select(c => new TargetContainer(c.Name, c.Image))
            .ToList();
        var annotations = deployment.Metadata.Annotations;
        return new CanaryTarget(
            ns,
            canary.Metadata.Name,
            new Dictionary<string, string>(canary.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal),
            reference.Name,
            deployment.Metadata.ResourceVersion,
            containers,
            TargetImagePatch.ParsePushedAt(annotations is not null && annotations.TryGetValue(TargetImagePatch.LastPushAnnotation, out var at) ? at : null));
    }
}
