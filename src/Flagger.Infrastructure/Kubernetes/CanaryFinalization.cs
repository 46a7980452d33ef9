using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// revertOnDeletion against the API server (spec §2.12, Flagger's <c>finalizer.go</c>): the finalizer on the
/// Canary, the target's replicas given back, and a user-created apex Service pointed back at the target's pods.
/// </summary>
internal static class CanaryFinalization
{
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>A merge patch of the finalizers list guarded by the resourceVersion it was read at, so another controller's finalizer is never lost.</summary>
    public static Task AddAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var live = await ReadAsync(client, canary, cancellationToken);
            if (live is null || CanaryFinalizer.IsHeld(live) || CanaryFinalizer.IsBeingDeleted(live))
            {
                return;
            }

            await PatchFinalizersAsync(client, live, [.. live.Metadata.Finalizers ?? [], CanaryFinalizer.Name], cancellationToken);
        });

    public static async Task RemoveAsync(IKubernetes client, KubernetesCanaryCluster cluster, Canary canary, CanaryStatus? lastStatus, CancellationToken cancellationToken)
    {
        if (lastStatus is not null)
        {
            try
            {
                await cluster.WriteStatusAsync(canary, lastStatus, cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.IsNotFound())
            {
                return;
            }
        }

        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var live = await ReadAsync(client, canary, cancellationToken);
            if (live is null || !CanaryFinalizer.IsHeld(live))
            {
                return;
            }

            try
            {
                await PatchFinalizersAsync(client, live, [.. live.Metadata.Finalizers!.Where(f => f != CanaryFinalizer.Name)], cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.IsNotFound())
            {
                // Gone meanwhile: nothing is left to remove.
            }
        });
    }

    public static async Task<TerminationObservation> ObserveAsync(IKubernetes client, Canary canary, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var target = await ReadTargetAsync(client, canary, cancellationToken);
        if (target is null)
        {
            return TerminationObservation.TargetMissing;
        }

        var restore = await RestoreOfAsync(client, canary, target, cancellationToken);
        return new TerminationObservation(
            true,
            restore.IsDone(target.Spec.Replicas ?? 1),
            DeploymentReadiness.Evaluate(target, canary.Analysis.EffectiveCanaryReadyThreshold, canary.Spec.ProgressDeadline, now));
    }

    public static async Task RestoreTargetAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        var target = await ReadTargetAsync(client, canary, cancellationToken);
        if (target is null)
        {
            return;
        }

        if (canary.Spec.AutoscalerRef is { Kind: "ScaledObject" })
        {
            // Flagger's finalize resumes the target scaler first: KEDA keeps a paused target at zero.
            await PrimaryScaledObject.ResumeTargetAsync(client, canary, cancellationToken);
        }

        var restore = await RestoreOfAsync(client, canary, target, cancellationToken);
        if (restore.IsDone(target.Spec.Replicas ?? 1))
        {
            return;
        }

        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = restore.Replicas } }.ToJsonString(), V1Patch.PatchType.MergePatch),
            target.Metadata.Name, target.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Flagger's router Finalize: an apex Service the Canary owns goes with it; one the user made gets the selector
    /// of its <c>kubectl.kubernetes.io/last-applied-configuration</c>, else the target's selector label and value.
    /// </summary>
    public static async Task RevertApexServiceAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        var target = await ReadTargetAsync(client, canary, cancellationToken);
        var found = target is null ? null : SelectorLabel.Find(target);
        if (found is not { IsFound: true })
        {
            return;
        }

        var ns = canary.Metadata.NamespaceProperty;
        var name = WorkloadNames.ServiceName(canary);
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var service = await KubernetesErrors.NullWhenMissingAsync(() =>
                client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken));
            if (service is null || OwnerReference.IsOwnedBy(service.Metadata, canary))
            {
                return;
            }

            var selector = LastAppliedSelector(service) ?? new Dictionary<string, string> { [found.Selector.Label] = found.Selector.Value };
            var live = service.Spec.Selector ?? new Dictionary<string, string>();
            if (live.Count == selector.Count && selector.All(p => live.TryGetValue(p.Key, out var v) && v == p.Value))
            {
                return;
            }

            service.Spec.Selector = selector;
            await client.CoreV1.ReplaceNamespacedServiceAsync(service, name, ns, cancellationToken: cancellationToken);
        });
    }

    private static Dictionary<string, string>? LastAppliedSelector(V1Service service)
    {
        if (service.Metadata.Annotations?.TryGetValue(LastApplied, out var applied) != true)
        {
            return null;
        }

        try
        {
            var selector = JsonNode.Parse(applied!)?["spec"]?["selector"] as JsonObject;
            return selector is { Count: > 0 } ? selector.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "") : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not a Service as kubectl writes it: fall back to the target's label, as Flagger's reconcile would.
            return null;
        }
    }

    /// <summary>How many replicas the target gets back, and whether more (an autoscaler's doing) also counts as restored.</summary>
    private sealed record Restore(int Replicas, bool AtLeast)
    {
        public bool IsDone(int current) => AtLeast ? current >= Replicas : current == Replicas;
    }

    /// <summary>
    /// As ScaleTargetUp (spec §3.4), except that with a primary and no autoscaler the target takes exactly the
    /// primary's replicas (Flagger's Finalize): with an autoscaler its minimum (<see cref="ScalerKind.ScaleFromZeroReplicasAsync"/>,
    /// at least 1, the autoscaler takes it from there); with no primary the target's own replicas when above zero, else 1.
    /// </summary>
    private static async Task<Restore> RestoreOfAsync(IKubernetes client, Canary canary, V1Deployment target, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        if (canary.Spec.AutoscalerRef is not null)
        {
            return new Restore(await ScalerKind.ScaleFromZeroReplicasAsync(client, canary, cancellationToken), AtLeast: true);
        }

        var primary = await KubernetesErrors.NullWhenMissingAsync(() =>
            client.AppsV1.ReadNamespacedDeploymentAsync(WorkloadNames.PrimaryName(target.Metadata.Name), ns, cancellationToken: cancellationToken));
        return primary is null
            ? new Restore(1, AtLeast: true)
            : new Restore(primary.Spec.Replicas ?? 1, AtLeast: false);
    }

    private static Task<V1Deployment?> ReadTargetAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(canary.Spec.TargetRef.Name)
            ? Task.FromResult<V1Deployment?>(null)
            : KubernetesErrors.NullWhenMissingAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(
                canary.Spec.TargetRef.Name, canary.Metadata.NamespaceProperty, cancellationToken: cancellationToken));

    private static Task<Canary?> ReadAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        KubernetesErrors.NullWhenMissingAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<Canary>(
            FlaggerApi.Group, FlaggerApi.Version, canary.Metadata.NamespaceProperty, Canary.KubePlural, canary.Metadata.Name, cancellationToken));

    private static Task PatchFinalizersAsync(IKubernetes client, Canary live, List<string> finalizers, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = live.Metadata.ResourceVersion,
                ["finalizers"] = finalizers.Count == 0 ? null : new JsonArray([.. finalizers.Select(f => (JsonNode)f)]),
            },
        };
        return client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            FlaggerApi.Group, FlaggerApi.Version, live.Metadata.NamespaceProperty, Canary.KubePlural, live.Metadata.Name,
            cancellationToken: cancellationToken);
    }
}
