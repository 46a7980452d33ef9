using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Ours: the <c>TargetUsable</c> condition says why the analysis cannot use the target workload (the Deployment
/// is missing, has no selector label, or a tracked ConfigMap or Secret is missing), so <c>kubectl describe
/// canary</c> and <c>kubectl wait</c> show it without reading Events. A canary whose target was always usable
/// has no such condition; once set, it turns True when the target is usable again.
/// </summary>
public static class TargetCondition
{
    public const string Type = "TargetUsable";

    /// <returns>The condition to store, <paramref name="current"/> itself when nothing changed, or null when there is none to store.</returns>
    public static CanaryCondition? For(string? problem, CanaryCondition? current, DateTimeOffset now)
    {
        if (problem is null && current is null)
        {
            return null;
        }

        var (status, reason, message) = problem is null
            ? ("True", "TargetUsable", "The target workload is usable.")
            : ("False", "TargetUnusable", problem);
        return CanaryConditions.Next(Type, status, reason, message, current, now);
    }
}
