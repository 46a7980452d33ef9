using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The primary's autoscaler (spec §3.8): a copy of the target's HorizontalPodAutoscaler (here) or KEDA
/// ScaledObject (<see cref="PrimaryScaledObject"/>) pointing at the primary. It is created when missing and
/// updated only at promotion, so autoscaler changes go live with a successful rollout.
/// </summary>
internal static class PrimaryAutoscaler
{
    /// <summary>Creates the copy when missing; the problem when the target's autoscaler is missing.</summary>
    public static Task<string?> EnsureAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        ConvergeAsync(client, canary, update: false, cancellationToken);

    /// <summary>At promotion: the copy follows the target's autoscaler.</summary>
    public static async Task ReconcileAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        if (await ConvergeAsync(client, canary, update: true, cancellationToken) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }
    }

    private static Task<string?> ConvergeAsync(IKubernetes client, Canary canary, bool update, CancellationToken cancellationToken) =>
        canary.Spec.AutoscalerRef?.Kind switch
        {
            "HorizontalPodAutoscaler" => ConvergeHpaAsync(client, canary, update, cancellationToken),
            "ScaledObject" => PrimaryScaledObject.ConvergeAsync(client, canary, update, cancellationToken),
            _ => Task.FromResult<string?>(null),
        };

    private static async Task<string?> ConvergeHpaAsync(IKubernetes client, Canary canary, bool update, CancellationToken cancellationToken)
    {
        var reference = canary.Spec.AutoscalerRef!;
        var ns = canary.Metadata.NamespaceProperty;
        var target = await KubernetesErrors.NullWhenMissingAsync(() =>
            client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(reference.Name, ns, cancellationToken: cancellationToken));
        if (target is null)
        {
            return $"HorizontalPodAutoscaler {reference.Name}.{ns} not found";
        }

        var name = WorkloadNames.PrimaryName(reference.Name);
        var spec = KubernetesJson.Deserialize<V2HorizontalPodAutoscalerSpec>(KubernetesJson.Serialize(target.Spec));
        spec.ScaleTargetRef = new V2CrossVersionObjectReference
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Name = WorkloadNames.PrimaryName(canary.Spec.TargetRef.Name),
        };
        if (reference.PrimaryScalerReplicas is { } replicas)
        {
            spec.MinReplicas = replicas.MinReplicas ?? spec.MinReplicas;
            spec.MaxReplicas = replicas.MaxReplicas ?? spec.MaxReplicas;
        }

        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var existing = await KubernetesErrors.NullWhenMissingAsync(() =>
                client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken));
            if (existing is null)
            {
                await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(
                    new V2HorizontalPodAutoscaler
                    {
                        Metadata = new V1ObjectMeta
                        {
                            Name = name,
                            NamespaceProperty = ns,
                            Labels = target.Metadata.Labels,
                            OwnerReferences = [OwnerReference.To(canary)],
                        },
                        Spec = spec,
                    },
                    ns, cancellationToken: cancellationToken);
            }
            else if (update)
            {
                existing.Spec = spec;
                existing.Metadata.Labels = target.Metadata.Labels;
                await client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(existing, name, ns, cancellationToken: cancellationToken);
            }
        });

        return null;
    }
}
