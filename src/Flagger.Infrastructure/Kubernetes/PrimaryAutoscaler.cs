using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The primary's HorizontalPodAutoscaler (spec §3.8): a copy of the target's pointing at the primary. It is
/// created when missing and updated only at promotion, so HPA changes go live with a successful rollout.
/// </summary>
internal static class PrimaryAutoscaler
{
    public static Task EnsureAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        ConvergeAsync(client, canary, update: false, cancellationToken);

    public static Task ReconcileAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        ConvergeAsync(client, canary, update: true, cancellationToken);

    private static async Task ConvergeAsync(IKubernetes client, Canary canary, bool update, CancellationToken cancellationToken)
    {
        if (canary.Spec.AutoscalerRef is not { Kind: "HorizontalPodAutoscaler" } reference)
        {
            return;
        }

        var ns = canary.Metadata.NamespaceProperty;
        var target = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(reference.Name, ns, cancellationToken: cancellationToken);
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
    }
}
