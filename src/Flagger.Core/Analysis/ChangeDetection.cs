using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>Whether the target carries a revision that needs a run (spec §2.13).</summary>
public static class ChangeDetection
{
    /// <summary>
    /// The pod template changed: never for the promoted revision (reverting the Deployment is a manual
    /// rollback, not a run), otherwise when it differs from the last applied one or is the pending revision.
    /// </summary>
    public static bool HasSpecChanged(CanaryStatus status, string revision)
    {
        if (status.PendingRevision == revision)
        {
            return true;
        }

        if (string.IsNullOrEmpty(status.LastAppliedSpec))
        {
            return true;
        }

        return revision != status.LastPromotedSpec && revision != status.LastAppliedSpec;
    }

    /// <summary>A tracked ConfigMap or Secret appeared, disappeared or changed data.</summary>
    public static bool HaveConfigsChanged(CanaryStatus status, IReadOnlyDictionary<string, string> configs)
    {
        var tracked = status.TrackedConfigs ?? new Dictionary<string, string>();
        if (tracked.Count != configs.Count)
        {
            return true;
        }

        foreach (var (key, checksum) in configs)
        {
            if (!tracked.TryGetValue(key, out var known) || known != checksum)
            {
                return true;
            }
        }

        return false;
    }

    public static bool HasChanged(CanaryStatus status, string revision, IReadOnlyDictionary<string, string> configs) =>
        HasSpecChanged(status, revision) || HaveConfigsChanged(status, configs);
}
