using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Taking over a Canary that Flagger itself ran (README "Migrating from Flagger"). Flagger's revision hashes
/// (FNV-32a over a Go dump of the pod template) cannot be computed here, so a status Flagger wrote would make
/// every adopted Canary look like a new revision and run a whole analysis, hooks and alerts included. Instead,
/// on the first tick of ours, a Flagger status whose primary is the copy of the target is taken as promoted:
/// its hashes are rewritten in our form and the phase is kept.
/// </summary>
public static class FlaggerAdoption
{
    /// <summary><c>k8s.io/apimachinery/pkg/util/rand.SafeEncodeString</c> maps a decimal digit d to the (d+48) % 27th of its alphabet.</summary>
    private const string SafeEncodedDigits = "456789bcdf";

    /// <summary>
    /// True when <paramref name="status"/> was written by Flagger and not by us. Flagger writes
    /// <c>lastAppliedSpec</c> as the safe-encoded decimal FNV-32a hash (1 to 10 of <c>456789bcdf</c>), never <c>observedGeneration</c>, and only the <c>Promoted</c> condition. Our status
    /// always carries a 16-hex-digit hash, the <c>observedGeneration</c> of the Canary it was computed from and the
    /// <c>Validated</c> condition, so one tick of ours is enough for a status never to be taken as Flagger's again.
    /// </summary>
    public static bool IsFlaggerStatus(CanaryStatus? status) =>
        status is { Phase: not null, ObservedGeneration: null }
        && IsFlaggerHash(status.LastAppliedSpec)
        && (status.Conditions ?? []).All(c => c.Type == CanaryCondition.PromotedType);

    /// <summary>A revision hash in one of Flagger's forms (and so not in ours, 16 lowercase hex digits).</summary>
    public static bool IsFlaggerHash(string? hash) =>
        !string.IsNullOrEmpty(hash) && hash.Length <= 10 && hash.All(SafeEncodedDigits.Contains);

    /// <summary>Whether this tick adopts the canary: our first tick of it, over a status Flagger wrote, with the workload readable.</summary>
    public static bool Applies(CanaryObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.FirstSeen
            && IsFlaggerStatus(observation.Canary.Status)
            && observation.Workload.Problem is null
            && observation.Workload.PrimaryMatchesTarget is not null;
    }
}
