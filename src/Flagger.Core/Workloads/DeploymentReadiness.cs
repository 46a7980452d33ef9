using k8s.Models;

namespace Flagger.Core.Workloads;

/// <summary>
/// Flagger's <c>isDeploymentReady</c> (behaviour spec §3.5), rule for rule and in the same order, plus the
/// "scaled to zero" check that Flagger intends but never performs (spec §2.14, DESIGN.md §3).
/// </summary>
public static class DeploymentReadiness
{
    private const string WaitingPrefix = "waiting for rollout to finish: ";

    /// <summary>Evaluates whether <paramref name="deployment"/> has finished rolling out.</summary>
    /// <param name="deployment">The Deployment as last read from the cluster.</param>
    /// <param name="readyThresholdPercent">
    /// Share of updated replicas that must be available: <c>canaryReadyThreshold</c> for the target,
    /// <c>primaryReadyThreshold</c> for the primary.
    /// </param>
    /// <param name="progressDeadline">The Canary's <c>progressDeadlineSeconds</c>.</param>
    /// <param name="now">The tick's clock.</param>
    /// <param name="allowScaledToZero">
    /// False (the default) makes a Deployment with <c>spec.replicas: 0</c> not ready: a primary at zero
    /// serves nobody, so shifting traffic or promoting onto it would be an outage, and Flagger meant to halt
    /// there but its check never fires. Pass true only for a Deployment that Flagger itself keeps at zero
    /// on purpose, i.e. the target between runs (after <c>ScaleToZero</c> at initialisation, promotion,
    /// rollback or skipAnalysis), where "rolled out" just means the old pods are gone.
    /// </param>
    public static Readiness Evaluate(
        V1Deployment deployment,
        int readyThresholdPercent,
        TimeSpan progressDeadline,
        DateTimeOffset now,
        bool allowScaledToZero = false)
    {
        ArgumentNullException.ThrowIfNull(deployment);

        var name = deployment.Metadata?.Name ?? "";
        var status = deployment.Status;
        var generation = deployment.Metadata?.Generation ?? 0;
        var observedGeneration = status?.ObservedGeneration ?? 0;

        // Rule 1: the controller has not seen the latest spec yet, so the status below describes an old one.
        if (generation > observedGeneration)
        {
            return Readiness.Waiting(WaitingPrefix + "observed deployment generation less than desired generation");
        }

        var conditions = status?.Conditions ?? [];
        var available = conditions.FirstOrDefault(c => c.Type == "Available");
        var progressing = conditions.FirstOrDefault(c => c.Type == "Progressing");

        // Rule 2: pods have been unavailable for longer than the deadline; waiting longer will not help.
        var retriable = !IsStuck(available, progressDeadline, now);

        // Rule 3.
        if (progressing?.Reason == "ProgressDeadlineExceeded")
        {
            return Readiness.Failed($"deployment {name} progress deadline exceeded");
        }

        var desired = deployment.Spec?.Replicas ?? 1;
        var updated = status?.UpdatedReplicas ?? 0;
        var total = status?.Replicas ?? 0;
        var availableReplicas = status?.AvailableReplicas ?? 0;

        // Rule 4.
        if (updated < desired)
        {
            return NotReady(retriable, $"{updated} out of {desired} new replicas have been updated");
        }

        // Rule 5.
        if (total > updated)
        {
            return NotReady(retriable, $"{total - updated} old replicas are pending termination");
        }

        // Rule 6: exact integer floor (3 updated at 50% needs 1). Flagger multiplies in float32, which is off by
        // one in rare cases (100 at 53% gives 52); the spec says floor(updated × threshold / 100), so we do that.
        var required = (int)((long)updated * readyThresholdPercent / 100);
        if (availableReplicas < required)
        {
            return NotReady(
                retriable,
                $"{availableReplicas} of {required} (readyThreshold {readyThresholdPercent}%) updated replicas are available");
        }

        if (desired == 0 && !allowScaledToZero)
        {
            return Readiness.Waiting($"deployment {name} is scaled to zero");
        }

        return Readiness.Ready;
    }

    private static bool IsStuck(V1DeploymentCondition? available, TimeSpan progressDeadline, DateTimeOffset now)
    {
        if (available is not { Status: "False", Reason: "MinimumReplicasUnavailable" })
        {
            return false;
        }

        // Without a timestamp we cannot tell how long it has been stuck; keep waiting rather than roll back.
        var since = available.LastUpdateTime ?? available.LastTransitionTime;
        return since is { } at && AsUtc(at) + progressDeadline < now;
    }

    private static DateTimeOffset AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc), TimeSpan.Zero),
    };

    private static Readiness NotReady(bool retriable, string detail) =>
        retriable ? Readiness.Waiting(WaitingPrefix + detail) : Readiness.Failed(WaitingPrefix + detail);
}
