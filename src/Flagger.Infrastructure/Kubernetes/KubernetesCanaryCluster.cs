using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The Kubernetes side of a canary through the API server: the Canary and its status, the target and
/// primary Deployments, their ConfigMap and Secret copies, the generated Services, the primary autoscaler
/// (HPA or KEDA ScaledObject), and the finalizer of revertOnDeletion (<see cref="CanaryFinalization"/>).
/// </summary>
public sealed class KubernetesCanaryCluster(IKubernetes client) : ICanaryCluster
{
    private static readonly JsonSerializerOptions s_statusJson = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public Task<Canary?> GetCanaryAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        KubernetesErrors.NullWhenMissingAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<Canary>(
            FlaggerApi.Group, FlaggerApi.Version, @namespace, Canary.KubePlural, name, cancellationToken));

    public async Task<WorkloadObservation> SyncWorkloadAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var target = await ReadDeploymentAsync(ns, canary.Spec.TargetRef.Name, cancellationToken);
        if (target is null)
        {
            return WorkloadObservation.Unusable($"deployment {canary.Spec.TargetRef.Name}.{ns} not found");
        }

        var selector = SelectorLabel.Find(target);
        if (!selector.IsFound)
        {
            return WorkloadObservation.Unusable(selector.Error);
        }

        var configs = await TrackedConfigs.ReadAsync(client, target, cancellationToken);
        if (configs.Problem is { } problem)
        {
            return WorkloadObservation.Unusable(problem);
        }

        var revision = PodTemplateHash.Compute(target.Spec.Template);
        var analysis = canary.Analysis;
        var initializing = CanaryPhases.IsInitializing(canary.Status?.Phase);
        var podSpec = target.Spec.Template.Spec;
        var servicesChanged = CanarySpecChanged(canary) || DiscoveredPortsMayHaveChanged(canary, revision);
        if (initializing || servicesChanged)
        {
            await Services.EnsureAsync(client, canary, selector.Selector, podSpec, ServiceRole.Canary, cancellationToken);
            await Services.EnsureAsync(client, canary, selector.Selector, podSpec, ServiceRole.Primary, cancellationToken);
            if (await PrimaryAutoscaler.EnsureAsync(client, canary, cancellationToken) is { } missing)
            {
                return WorkloadObservation.Unusable(missing);
            }
        }

        var primaryName = WorkloadNames.PrimaryName(target.Metadata.Name);
        var primary = await ReadDeploymentAsync(ns, primaryName, cancellationToken);

        // Only for a status Flagger wrote (adoption, FlaggerAdoption): is its primary the target's copy?
        bool? primaryMatchesTarget = null;
        if (FlaggerAdoption.IsFlaggerStatus(canary.Status))
        {
            primaryMatchesTarget = primary is not null
                && AdoptedPrimary.TemplateMatches(primary, canary, target, selector.Selector, configs.Keys)
                && await configs.PrimaryCopiesMatchAsync(client, ns, cancellationToken);
        }

        if (primary is null)
        {
            await configs.CopyToPrimaryAsync(client, canary, cancellationToken);
            primary = await client.AppsV1.CreateNamespacedDeploymentAsync(
                PrimaryDeployment.Create(canary, target, selector.Selector, configs.Keys, revision),
                ns, cancellationToken: cancellationToken);
        }

        var deadline = canary.Spec.ProgressDeadline;
        var primaryReadiness = DeploymentReadiness.Evaluate(primary, analysis.EffectivePrimaryReadyThreshold, deadline, now);
        if ((initializing && primaryReadiness.IsReady) || (!initializing && servicesChanged) || canary.Spec.SkipAnalysis)
        {
            await Services.EnsureAsync(client, canary, selector.Selector, podSpec, ServiceRole.Apex, cancellationToken);
        }

        return new WorkloadObservation(
            revision,
            configs.Checksums,
            DeploymentReadiness.Evaluate(target, analysis.EffectiveCanaryReadyThreshold, deadline, now, allowScaledToZero: true),
            primaryReadiness)
        {
            PrimaryMatchesTarget = primaryMatchesTarget,
            Scaling = await PrimaryPreScale.ObserveAsync(client, canary, target, primary, cancellationToken),
        };
    }

    /// <summary>Spec §3.4; a KEDA target is paused at zero first (Flagger's PauseTargetScaler), or KEDA would scale it back.</summary>
    public async Task ScaleTargetToZeroAsync(Canary canary, CancellationToken cancellationToken)
    {
        if (canary.Spec.AutoscalerRef is { Kind: "ScaledObject" })
        {
            await PrimaryScaledObject.PauseTargetAsync(client, canary, cancellationToken);
        }

        await ScaleTargetAsync(canary, 0, cancellationToken);
    }

    /// <summary>
    /// Spec §3.4: a KEDA target is resumed first; then the target's own replicas, else the primary's (no
    /// autoscaler) or the HPA <c>minReplicas</c> / ScaledObject <c>minReplicaCount</c> when above 1, else 1.
    /// </summary>
    public async Task ScaleTargetUpAsync(Canary canary, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        if (canary.Spec.AutoscalerRef is { Kind: "ScaledObject" })
        {
            await PrimaryScaledObject.ResumeTargetAsync(client, canary, cancellationToken);
        }

        var target = await client.AppsV1.ReadNamespacedDeploymentAsync(canary.Spec.TargetRef.Name, ns, cancellationToken: cancellationToken);
        if (target.Spec.Replicas is > 0)
        {
            return;
        }

        int replicas;
        if (canary.Spec.AutoscalerRef is not null)
        {
            replicas = await ScalerKind.ScaleFromZeroReplicasAsync(client, canary, cancellationToken);
        }
        else
        {
            var primary = await ReadDeploymentAsync(ns, WorkloadNames.PrimaryName(canary.Spec.TargetRef.Name), cancellationToken);
            replicas = primary?.Spec.Replicas is > 0 ? primary.Spec.Replicas.Value : 1;
        }

        await ScaleTargetAsync(canary, replicas, cancellationToken);
    }

    public async Task PromotePrimaryAsync(Canary canary, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var target = await client.AppsV1.ReadNamespacedDeploymentAsync(canary.Spec.TargetRef.Name, ns, cancellationToken: cancellationToken);
        var selector = SelectorLabel.Find(target);
        if (!selector.IsFound)
        {
            throw new InvalidOperationException(selector.Error);
        }

        var configs = await TrackedConfigs.ReadAsync(client, target, cancellationToken);
        if (configs.Problem is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        await configs.CopyToPrimaryAsync(client, canary, cancellationToken);
        var revision = PodTemplateHash.Compute(target.Spec.Template);
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var primary = await client.AppsV1.ReadNamespacedDeploymentAsync(WorkloadNames.PrimaryName(target.Metadata.Name), ns, cancellationToken: cancellationToken);
            PrimaryDeployment.Promote(primary, canary, target, selector.Selector, configs.Keys, revision);
            await client.AppsV1.ReplaceNamespacedDeploymentAsync(primary, primary.Metadata.Name, ns, cancellationToken: cancellationToken);
        });

        await PrimaryAutoscaler.ReconcileAsync(client, canary, cancellationToken);
    }

    public Task ScalePrimaryUpAsync(Canary canary, int replicas, bool holdMinimum, CancellationToken cancellationToken) =>
        PrimaryPreScale.ScaleUpAsync(client, canary, replicas, holdMinimum, cancellationToken);

    public Task ReleasePrimaryScalerAsync(Canary canary, CancellationToken cancellationToken) =>
        PrimaryPreScale.ReleaseAsync(client, canary, cancellationToken);

    /// <summary>The whole status is replaced (JSON patch <c>add /status</c>), so removed fields and tracked configs go too.</summary>
    public async Task WriteStatusAsync(Canary canary, CanaryStatus status, CancellationToken cancellationToken)
    {
        var patch = new JsonArray(new JsonObject
        {
            ["op"] = "add",
            ["path"] = "/status",
            ["value"] = JsonSerializer.SerializeToNode(status, s_statusJson),
        });
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch),
            FlaggerApi.Group, FlaggerApi.Version, canary.Metadata.NamespaceProperty, Canary.KubePlural, canary.Metadata.Name,
            cancellationToken: cancellationToken);
    }

    public Task<IReadOnlyList<CanaryEvent>> ListEventsAsync(Canary canary, CancellationToken cancellationToken) =>
        CanaryEvents.ListAsync(client, canary, cancellationToken);

    public Task AddFinalizerAsync(Canary canary, CancellationToken cancellationToken) =>
        CanaryFinalization.AddAsync(client, canary, cancellationToken);

    public Task RemoveFinalizerAsync(Canary canary, CanaryStatus? lastStatus, CancellationToken cancellationToken) =>
        CanaryFinalization.RemoveAsync(client, this, canary, lastStatus, cancellationToken);

    public Task<TerminationObservation> ObserveTerminationAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken) =>
        CanaryFinalization.ObserveAsync(client, canary, now, cancellationToken);

    public Task RestoreTargetAsync(Canary canary, CancellationToken cancellationToken) =>
        CanaryFinalization.RestoreTargetAsync(client, canary, cancellationToken);

    public Task RevertApexServiceAsync(Canary canary, CancellationToken cancellationToken) =>
        CanaryFinalization.RevertApexServiceAsync(client, canary, cancellationToken);

    /// <summary>The generated Services follow the Canary spec; they are converged when it changed since the last status.</summary>
    internal static bool CanarySpecChanged(Canary canary) =>
        canary.Metadata.Generation is null || canary.Status?.ObservedGeneration != canary.Metadata.Generation;

    /// <summary>
    /// With <c>portDiscovery</c> the Services also follow the target's container ports, which only a new pod
    /// template can change. Flagger reconciles the Services on every tick; converging them on the ticks that
    /// see a revision other than the last applied one gives the same Services for a few reads less.
    /// </summary>
    internal static bool DiscoveredPortsMayHaveChanged(Canary canary, string revision) =>
        canary.Spec.Service.PortDiscovery && canary.Status?.LastAppliedSpec != revision;

    private Task ScaleTargetAsync(Canary canary, int replicas, CancellationToken cancellationToken) =>
        client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }.ToJsonString(), V1Patch.PatchType.MergePatch),
            canary.Spec.TargetRef.Name, canary.Metadata.NamespaceProperty, cancellationToken: cancellationToken);

    private Task<V1Deployment?> ReadDeploymentAsync(string ns, string name, CancellationToken cancellationToken) =>
        KubernetesErrors.NullWhenMissingAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken));
}
