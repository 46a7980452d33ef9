using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Ours (Flagger issues #1450, #1578): a confirm gate (<c>confirm-rollout</c>, <c>confirm-traffic-increase</c>,
/// <c>confirm-promotion</c>) closed for longer than the Canary's <see cref="GateTimeoutAnnotation"/> ends the run,
/// where Flagger waits forever. Each closed wait is timed on its own, from the tick that first found the gate closed
/// (<see cref="GateWait"/> in the status, never the status's <c>lastTransitionTime</c>, which every write bumps):
/// the wait ends when the gate opens or a run starts or ends, so every traffic step's confirm-traffic-increase
/// gets the whole timeout. Time is the tick's (the observation's <c>now</c>), so a replayed tick decides the same.
/// </summary>
public static class GateTimeout
{
    /// <summary>
    /// The wait after a tick found <paramref name="gate"/> closed for <paramref name="revision"/>: the stored one when
    /// it is for the same gate and revision, otherwise one that starts now. Null when the Canary has no gate timeout:
    /// nothing is timed or written, as in Flagger (a timeout added during a wait counts from the next tick).
    /// </summary>
    public static GateWait? Wait(Canary canary, GateWait? current, string gate, string revision, DateTimeOffset now) =>
        GateTimeoutAnnotation.Timeout(canary) is null ? null
        : current is not null && current.Gate == gate && current.Revision == revision ? current
        : new GateWait { Gate = gate, Revision = revision, Since = now };

    /// <summary>How long the gate has been closed, when that is longer than the Canary's timeout; null while it may still open (or without a timeout).</summary>
    public static TimeSpan? Exceeded(Canary canary, GateWait wait, DateTimeOffset now) =>
        GateTimeoutAnnotation.Timeout(canary) is { } timeout && now - wait.Since is var closedFor && closedFor > timeout ? closedFor : null;

    /// <summary>
    /// A wait lasts through the phases that wait on a gate: Waiting (confirm-rollout), Progressing
    /// (confirm-traffic-increase, and confirm-promotion on the tick it first closes) and WaitingPromotion.
    /// </summary>
    public static bool Lasts(CanaryPhase phase) => phase is CanaryPhase.Waiting or CanaryPhase.Progressing or CanaryPhase.WaitingPromotion;

    /// <summary>
    /// <c>Gate confirm-promotion (approve) closed for 2h0m1s, longer than flagger-functions.io/gate-timeout 2h: rolling back</c>;
    /// <paramref name="who"/>, when given, follows the gate (for the event).
    /// </summary>
    public static string Message(Canary canary, GateWait wait, string? hook, TimeSpan closedFor, string? who)
    {
        var name = string.IsNullOrEmpty(hook) ? "" : $" ({hook})";
        var of = who is null ? "" : $" of {who}";
        var ending = wait.Gate == WebhookType.ConfirmRollout ? "the rollout fails" : "rolling back";
        return $"Gate {wait.Gate}{name}{of} closed for {GoDuration.Format(closedFor)}, longer than {GateTimeoutAnnotation.Name} " +
            $"{GateTimeoutAnnotation.Value(canary)?.Trim()}: {ending}";
    }
}
