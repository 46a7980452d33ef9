using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Ours (Flagger issues #1450, #1578): a confirm gate (<c>confirm-rollout</c>, <c>confirm-traffic-increase</c>,
/// <c>confirm-promotion</c>) closed for longer than <see cref="Timeout"/> ends the run, where Flagger waits forever.
/// Each closed wait is timed on its own, from the tick that first found the gate closed (<see cref="GateWait"/> in
/// the status, never the status's <c>lastTransitionTime</c>, which every write bumps): the wait ends when the gate
/// opens or a run starts or ends, so each traffic step's confirm-traffic-increase gets the whole timeout. Time is
/// the tick's (the observation's <c>now</c>), so a replayed tick decides the same.
/// </summary>
/// <param name="Timeout">How long a gate may stay closed.</param>
/// <param name="Source">Where the timeout comes from, for messages: <c>flagger-functions.io/gate-timeout 2h</c>.</param>
public sealed record GateTimeout(TimeSpan Timeout, string Source)
{
    /// <summary>
    /// The Canary's timeout: its <see cref="GateTimeoutAnnotation"/>, else the host's default
    /// (<see cref="CanaryObservation.DefaultGateTimeout"/>). Null without either, or with the annotation <c>0</c>:
    /// gates wait forever, as in Flagger, and nothing is timed or written.
    /// </summary>
    public static GateTimeout? For(CanaryObservation observation) =>
        GateTimeoutAnnotation.Timeout(observation.Canary) switch
        {
            { } timeout when timeout == TimeSpan.Zero => null,
            { } timeout => new GateTimeout(timeout, $"{GateTimeoutAnnotation.Name} {GateTimeoutAnnotation.Value(observation.Canary)}"),
            null when observation.DefaultGateTimeout is { } timeout && timeout > TimeSpan.Zero =>
                new GateTimeout(timeout, $"the default gate timeout {GoDuration.Format(timeout)}"),
            null => null,
        };

    /// <summary>
    /// A wait lasts through the phases that wait on a gate: Waiting (confirm-rollout), Progressing
    /// (confirm-traffic-increase, and confirm-promotion on the tick it first closes) and WaitingPromotion.
    /// </summary>
    public static bool Lasts(CanaryPhase phase) => phase is CanaryPhase.Waiting or CanaryPhase.Progressing or CanaryPhase.WaitingPromotion;

    /// <summary>
    /// The wait after a tick found <paramref name="gate"/> closed for <paramref name="revision"/>: the stored one when
    /// it is for the same gate and revision, otherwise one that starts now (a timeout set during a wait counts from then).
    /// </summary>
    public GateWait Wait(GateWait? current, string gate, string revision, DateTimeOffset now) =>
        current is not null && current.Gate == gate && current.Revision == revision
            ? current
            : new GateWait { Gate = gate, Revision = revision, Since = now };

    /// <summary>How long the gate has been closed, when that is longer than the timeout; null while it may still open.</summary>
    public TimeSpan? Exceeded(GateWait wait, DateTimeOffset now) => now - wait.Since is var closedFor && closedFor > Timeout ? closedFor : null;

    /// <summary>
    /// <c>Gate confirm-promotion (approve) closed for 2h0m1s, longer than flagger-functions.io/gate-timeout 2h: rolling back</c>;
    /// <paramref name="who"/>, when given, follows the gate (for the event).
    /// </summary>
    public string Message(GateWait wait, string? hook, TimeSpan closedFor, string? who)
    {
        var name = string.IsNullOrEmpty(hook) ? "" : $" ({hook})";
        var of = who is null ? "" : $" of {who}";
        var ending = wait.Gate == WebhookType.ConfirmRollout ? "the rollout fails" : "rolling back";
        return $"Gate {wait.Gate}{name}{of} closed for {GoDuration.Format(closedFor)}, longer than {Source}: {ending}";
    }
}
