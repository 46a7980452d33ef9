using System.Globalization;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// Pre-scaling the primary before traffic moves back to it (<see cref="ScalePrimaryUp"/>). An autoscaler reverts
/// a manual scale-up its own metrics do not call for: the HPA's scale-down stabilization keeps only the highest of
/// its own recent recommendations, which were sized for the primary's smaller share, and KEDA's generated HPA
/// behaves alike. So, while held, the primary autoscaler's minimum is raised too; its own minimum is kept in the
/// <see cref="HeldAnnotation"/> annotation on the primary autoscaler until the release.
/// </summary>
internal static class PrimaryPreScale
{
    /// <summary>On the primary HPA or ScaledObject while a pre-scale holds its minimum: the minimum it had ("" for none).</summary>
    public const string HeldAnnotation = "flagger-functions.io/held-min-replicas";

    /// <summary>The replicas of both Deployments and the primary autoscaler's maximum; null without an autoscalerRef.</summary>
    public static async Task<ScalingObservation?> ObserveAsync(IKubernetes client, Canary canary, V1Deployment target, V1Deployment primary, CancellationToken cancellationToken)
    {
        if (ScalerKind.Of(canary.Spec.AutoscalerRef) is not { } kind)
        {
            return null;
        }

        var scaler = await kind.ReadAsync(client, canary.Metadata.NamespaceProperty, PrimaryName(canary), cancellationToken);
        return new ScalingObservation(
            target.Spec.Replicas ?? 1,
            primary.Spec.Replicas ?? 1,
            scaler is null ? null : kind.Maximum(scaler),
            scaler is not null && ScalerKind.Annotations(scaler).ContainsKey(HeldAnnotation));
    }

    public static async Task ScaleUpAsync(IKubernetes client, Canary canary, int replicas, bool holdMinimum, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        if (holdMinimum && ScalerKind.Of(canary.Spec.AutoscalerRef) is { } kind)
        {
            await KubernetesErrors.RetryOnConflictAsync(async () =>
            {
                if (await kind.ReadAsync(client, ns, PrimaryName(canary), cancellationToken) is not { } scaler)
                {
                    return;
                }

                var annotations = ScalerKind.Annotations(scaler);
                var spec = scaler["spec"]!.AsObject();
                var own = kind.Minimum(scaler);
                if (own >= replicas && annotations.ContainsKey(HeldAnnotation))
                {
                    return;
                }

                // A replay keeps the minimum recorded the first time, not the one it raised.
                annotations[HeldAnnotation] ??= spec[kind.MinField] is { } min ? min.ToJsonString() : "";
                spec[kind.MinField] = Math.Max(own, replicas);
                await kind.ReplaceAsync(client, ns, scaler, cancellationToken);
            });
        }

        // Never down: the primary may already run more (its autoscaler, or a user).
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var primary = await client.AppsV1.ReadNamespacedDeploymentAsync(WorkloadNames.PrimaryName(canary.Spec.TargetRef.Name), ns, cancellationToken: cancellationToken);
            if ((primary.Spec.Replicas ?? 1) >= replicas)
            {
                return;
            }

            primary.Spec.Replicas = replicas;
            await client.AppsV1.ReplaceNamespacedDeploymentAsync(primary, primary.Metadata.Name, ns, cancellationToken: cancellationToken);
        });
    }

    public static async Task ReleaseAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        if (ScalerKind.Of(canary.Spec.AutoscalerRef) is not { } kind)
        {
            return;
        }

        var ns = canary.Metadata.NamespaceProperty;
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            if (await kind.ReadAsync(client, ns, PrimaryName(canary), cancellationToken) is not { } scaler ||
                ScalerKind.Annotations(scaler)[HeldAnnotation] is not { } held)
            {
                return;
            }

            var spec = scaler["spec"]!.AsObject();
            if (int.TryParse((string?)held, NumberStyles.None, CultureInfo.InvariantCulture, out var own))
            {
                spec[kind.MinField] = own;
            }
            else
            {
                spec.Remove(kind.MinField);
            }

            ScalerKind.Annotations(scaler).Remove(HeldAnnotation);
            await kind.ReplaceAsync(client, ns, scaler, cancellationToken);
        });
    }

    private static string PrimaryName(Canary canary) => WorkloadNames.PrimaryName(canary.Spec.AutoscalerRef!.Name);
}
