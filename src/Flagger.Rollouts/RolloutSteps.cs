using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Telemetry;
using Flagger.Infrastructure.Webhooks;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts;

/// <summary>
/// A canary's tick, the one activity of <see cref="CanaryRollout"/>: the Function App and Flagger.Host run the same
/// code. It observes (the Canary and its workloads and route, then its checkpoint and operation inbox in one
/// read), runs the checks the decision needs, and applies: it begins the tick in the checkpoint (reserving its
/// step), acts, records the history, commits the checkpoint, then forgets the operations it applied and alerts.
/// <para>
/// Every attempt of the activity gets the same <see cref="TickRequest"/>, and the tick is idempotent on it: the
/// commit stores the request's <see cref="TickRequest.TickId"/>, and an attempt that finds its own id committed
/// acted already, so it only reports (it never acts or alerts twice). An attempt that finds its own tick begun
/// and not committed finishes it from the observation and report the reservation stored: the same decision, its
/// idempotent actions (absolute weights, the same spec copied) again. A tick whose retries ran out leaves its
/// reservation to the next tick, which takes its sequence and decides anew (its interval measured from the
/// reserved step). A second tick racing on the same canary is refused by the reservation.
/// </para>
/// <para>
/// Storage per tick: one read (the checkpoint and the inbox together) and three writes when it acts. The tick is
/// one trace (<see cref="TickTracing"/>). Flagger's counters and tick-duration histogram ride in the checkpoint
/// (<see cref="CanaryCheckpoint.Stats"/>), committed with this tick counted in, so they are counted once per
/// committed tick and cost no storage call; a tick's duration is the activity's time up to its commit.
/// </para>
/// </summary>
public sealed class RolloutSteps(
    CanaryObserver observer,
    CheckRunner checks,
    DecisionApplier applier,
    ITickStateReader state,
    IRolloutStore store,
    IOperationInbox inbox,
    TimeProvider? time = null,
    IOptions<WebhookOptions>? webhookOptions = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TimeSpan? _gateTimeout = webhookOptions?.Value.GateTimeout;

    /// <summary>One tick of the canary; null when the Canary no longer exists (its orchestration ends).</summary>
    public async Task<TickOutcome?> TickAsync(TickRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var tick = TickTracing.StartTick(request.Namespace, request.Name);
        try
        {
            var observed = await StepAsync(
                TickTracing.ObserveSpan, "observe", request, () => ObserveAsync(request, cancellationToken), o => o?.Observation.Canary.Status?.Phase);
            if (observed is null)
            {
                return null;
            }

            var outcome = observed.Committed is { } committed
                ? await ReportCommittedAsync(observed, committed, cancellationToken)
                : await DecideAndApplyAsync(request, observed, started, cancellationToken);
            tick.Tick?.SetTag(FlaggerTelemetry.PhaseAttribute, outcome.Phase?.ToString());
            FlaggerTelemetry.Ticks.Add(1, new KeyValuePair<string, object?>(FlaggerTelemetry.PhaseAttribute, outcome.Phase?.ToString()));
            return outcome;
        }
        catch (Exception exception)
        {
            FlaggerTelemetry.RecordFailure(tick.Tick, exception);
            throw;
        }
    }

    private async Task<TickOutcome> DecideAndApplyAsync(TickRequest request, Observed observed, long started, CancellationToken cancellationToken)
    {
        var report = observed.Report ?? (observed.Plan is { } plan
            ? await StepAsync(TickTracing.ChecksSpan, "checks", request, () => checks.RunAsync(observed.Observation.Canary, plan, cancellationToken), _ => observed.Observation.Canary.Status?.Phase)
            : null);
        return await StepAsync(
            TickTracing.ApplySpan, "apply", request, () => ApplyAsync(request, observed, report ?? CheckReport.Empty, started, cancellationToken), o => o.Phase);
    }

    /// <summary>
    /// One part of the tick as a span below the tick's, and its duration in <see cref="FlaggerTelemetry.StepDuration"/>,
    /// on the same clock as the durations Flagger's histogram adds up (<see cref="CanaryStats"/>).
    /// </summary>
    private async Task<T> StepAsync<T>(string spanName, string step, TickRequest request, Func<Task<T>> run, Func<T, CanaryPhase?> phase)
    {
        var started = _time.GetTimestamp();
        using var span = TickTracing.StartStep(spanName, request.Namespace, request.Name);
        var outcome = "ok";
        try
        {
            var result = await run();
            span?.SetTag(FlaggerTelemetry.PhaseAttribute, phase(result)?.ToString());
            return result;
        }
        catch (Exception exception)
        {
            outcome = "error";
            FlaggerTelemetry.RecordFailure(span, exception);
            throw;
        }
        finally
        {
            FlaggerTelemetry.StepDuration.Record(
                _time.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(FlaggerTelemetry.StepAttribute, step),
                new KeyValuePair<string, object?>(FlaggerTelemetry.OutcomeAttribute, outcome));
        }
    }

    private async Task<Observed?> ObserveAsync(TickRequest request, CancellationToken cancellationToken)
    {
        var observation = await observer.ObserveAsync(request.Namespace, request.Name, request.Now, cancellationToken);
        if (observation is null)
        {
            return null;
        }

        var stored = await state.ReadAsync(request.Namespace, request.Name, cancellationToken);
        var checkpoint = stored.Checkpoint;
        var applied = stored.Applied;
        var pending = stored.Pending;
        if (stored.HoldsApplied)
        {
            // Applied by a committed tick whose trim failed: forget them now (the checkpoint already does).
            await inbox.TrimAsync(request.Namespace, request.Name, applied, cancellationToken);
        }

        var interval = request.Interval ?? observation.Canary.Analysis.GetInterval();
        if (checkpoint is { Reserved: false } && checkpoint.TickId == request.TickId)
        {
            // An earlier attempt of this very tick committed: what it did is stored, nothing is done again.
            return new Observed(observation, null, new TickContext(checkpoint.Sequence, applied, checkpoint.LastStepAt, interval), checkpoint);
        }

        if (checkpoint is { Reserved: true, Begun: { } begun } && checkpoint.TickId == request.TickId &&
            WebhookRedaction.Restore(begun.Observation.Canary, observation.Canary) is { } canary)
        {
            // An earlier attempt of this tick began and did not commit. It may have acted part-way, so it is finished
            // as it was decided: the same observation and report, the same decision, its idempotent actions again.
            // Deciding anew on what it half changed could apply its operations to another phase (an abort then a
            // retry, read as a retry of the abort). A later tick does decide anew: its analysis is its own.
            var resumed = new TickContext(checkpoint.Sequence, checkpoint.AppliedOperations + begun.Observation.Operations.Count, checkpoint.LastStepAt, interval)
            {
                Stats = checkpoint.Stats,
            };
            return new Observed(begun.Observation with { Canary = canary }, null, resumed, Committed: null) { Report = begun.Report };
        }

        var lastStepAt = checkpoint?.LastStepAt;
        observation = observation with
        {
            Operations = [.. pending.Select(p => p.Operation)],
            StepDueAt = lastStepAt + interval,
            DefaultGateTimeout = _gateTimeout,
            // No tick of ours changed this canary's status yet (no checkpoint, or one that still holds the status Flagger
            // wrote: a first tick that stopped before its commit, or ticks of a suspended canary): it may be adopted.
            FirstSeen = checkpoint is null || FlaggerAdoption.IsFlaggerStatus(checkpoint.Status),
        };
        // A reserved sequence is taken again: its tick stopped before it recorded anything but its step's time.
        var sequence = checkpoint is { Reserved: true } ? checkpoint.Sequence : (checkpoint?.Sequence ?? 0) + 1;
        var context = new TickContext(sequence, pending.Count > 0 ? pending[^1].Number : applied, lastStepAt, interval)
        {
            Stats = checkpoint?.Stats ?? CanaryStats.Empty,
        };
        return new Observed(observation, CanaryTick.Plan(observation).Plan, context, Committed: null);
    }

    private async Task<TickOutcome> ApplyAsync(TickRequest request, Observed observed, CheckReport report, long started, CancellationToken cancellationToken)
    {
        var (observation, _, context, _) = observed;
        var canary = observation.Canary;
        var ns = canary.Metadata.NamespaceProperty;
        var name = canary.Metadata.Name;

        // The decision is a pure function of the observation and the checks.
        var decision = CanaryTick.Decide(observation, report);
        var lastStepAt = decision.Stepped ? observation.Now : context.LastStepAt ?? observation.Now;
        if (IsIdleWake(decision, observation))
        {
            // Woken before the step was due with nothing to do: nothing to record either.
            return await OutcomeAsync(canary, canary.Status, lastStepAt, context, "Waiting for the analysis interval", cancellationToken);
        }

        if (!await BeginAsync(request, observation, report, context, decision.Stepped, cancellationToken))
        {
            // Another tick of this canary (a duplicate instance) committed this sequence or a later one first.
            var stored = await store.GetCheckpointAsync(ns, name, cancellationToken);
            return await OutcomeAsync(canary, stored?.Status ?? canary.Status, stored?.LastStepAt ?? observation.Now, context, decision.Summary, cancellationToken);
        }

        // An attempt that failed part-way acted already: the actions are idempotent, and a history entry of the
        // same sequence is replaced.
        await applier.ApplyAsync(observation, decision, cancellationToken);
        var status = decision.NextStatus ?? canary.Status ?? new CanaryStatus();
        var (primaryWeight, canaryWeight) = decision.Actions.OfType<SetRoutes>().LastOrDefault() is { } routes
            ? (routes.PrimaryWeight, routes.CanaryWeight)
            : (observation.Routes.PrimaryWeight, observation.Routes.CanaryWeight);
        await store.AppendHistoryAsync(
            new HistoryEntry(ns, name, context.Sequence, observation.Now, status.Phase, primaryWeight, canaryWeight,
                status.FailedChecks, decision.Summary, [.. decision.Checks.Stages.SelectMany(s => s.Results)], observation.Operations),
            cancellationToken);

        // The tick's commit: from here an attempt of this tick acts no more, and the next tick takes the next
        // sequence. Its duration ends here, as the commit carries it.
        var committed = await store.SaveCheckpointAsync(
            new CanaryCheckpoint(ns, name, context.Sequence, status, primaryWeight, canaryWeight, observation.Now)
            {
                LastStepAt = lastStepAt,
                AppliedOperations = context.OperationsThrough,
                TickId = request.TickId,
                Stats = context.Stats.After(observation, decision, _time.GetElapsedTime(started)),
            },
            cancellationToken);

        // Only once the tick is committed: the operations are forgotten, and alerts go out once.
        await TrimAsync(observation, context, cancellationToken);
        if (committed)
        {
            await applier.SendAlertsAsync(canary, decision, cancellationToken);
        }

        return await OutcomeAsync(canary, status, lastStepAt, context, decision.Summary, cancellationToken);
    }

    /// <summary>An attempt of a tick an earlier attempt committed: it reports the stored outcome.</summary>
    private Task<TickOutcome> ReportCommittedAsync(Observed observed, CanaryCheckpoint committed, CancellationToken cancellationToken) =>
        OutcomeAsync(
            observed.Observation.Canary, committed.Status, committed.LastStepAt ?? committed.UpdatedAt, observed.Context,
            "The tick was committed by an earlier attempt", cancellationToken);

    /// <summary>
    /// The tick's claim on its sequence, written before it touches the cluster, with what it decided on: refused when
    /// the sequence is already committed. If the tick's writes then fail part-way (the status written, the storage
    /// down), its next attempt finishes it from what it stored; once its retries ran out, the next tick takes the
    /// sequence and still measures its interval from this step, so it cannot take a second one at once. Everything
    /// else stays as stored before the tick, its operations included, until the commit.
    /// </summary>
    private Task<bool> BeginAsync(
        TickRequest request, CanaryObservation observation, CheckReport report, TickContext context, bool steps, CancellationToken cancellationToken) =>
        store.SaveCheckpointAsync(
            new CanaryCheckpoint(
                observation.Canary.Metadata.NamespaceProperty, observation.Canary.Metadata.Name, context.Sequence,
                observation.Canary.Status ?? new CanaryStatus(), observation.Routes.PrimaryWeight, observation.Routes.CanaryWeight, observation.Now)
            {
                LastStepAt = steps ? observation.Now : context.LastStepAt,
                Reserved = true,
                // Inbox numbers are gap-free, so the operations before this tick's are the count of its own fewer.
                AppliedOperations = context.OperationsThrough - observation.Operations.Count,
                TickId = request.TickId,
                Stats = context.Stats,
                Begun = new BegunTick(observation with { Canary = WebhookRedaction.Redact(observation.Canary) }, report),
            },
            cancellationToken);

    /// <summary>Forgets the operations this tick applied; a tick that drained none costs no storage call.</summary>
    private Task TrimAsync(CanaryObservation observation, TickContext context, CancellationToken cancellationToken) =>
        observation.Operations.Count == 0
            ? Task.CompletedTask
            : inbox.TrimAsync(observation.Canary.Metadata.NamespaceProperty, observation.Canary.Metadata.Name, context.OperationsThrough, cancellationToken);

    private static bool IsIdleWake(TickDecision decision, CanaryObservation observation) =>
        !decision.Stepped && decision.Actions.Count == 0 && decision.NextStatus is null && observation.Operations.Count == 0;

    /// <summary>
    /// A Canary being deleted without our finalizer ends its rollout whatever its phase; a Terminating one ticks
    /// again within <see cref="CanaryFinalizer.RetryAfter"/>, as Flagger's finalizer retries the target's readiness.
    /// </summary>
    private async Task<TickOutcome> OutcomeAsync(
        Canary canary, CanaryStatus? status, DateTimeOffset lastStepAt, TickContext context, string summary, CancellationToken cancellationToken)
    {
        var active = CanaryPhases.Ticks(status) && !CanaryFinalizer.IsLetGo(canary);
        var ns = canary.Metadata.NamespaceProperty;
        var name = canary.Metadata.Name;
        // An idle instance is about to end: it must not while operations wait (one may have arrived during this tick).
        var pending = !active && (await inbox.PendingAsync(ns, name, context.OperationsThrough, cancellationToken)).Count > 0;
        var wait = status?.Phase == CanaryPhase.Terminating && CanaryFinalizer.RetryAfter < context.Interval ? CanaryFinalizer.RetryAfter : context.Interval;
        return new TickOutcome(status?.Phase, active, lastStepAt + wait, summary, pending);
    }

    /// <summary>What observe found: the observation, the checks it needs, where the tick stands in the stored state.</summary>
    /// <param name="Committed">The checkpoint an earlier attempt of this tick committed, when one did: nothing is done again.</param>
    private sealed record Observed(CanaryObservation Observation, CheckPlan? Plan, TickContext Context, CanaryCheckpoint? Committed)
    {
        /// <summary>The report of a begun tick being finished: its checks are not run again.</summary>
        public CheckReport? Report { get; init; }
    }

    /// <summary>Where a tick stands in the canary's stored state.</summary>
    /// <param name="Sequence">This tick's number for the canary (the last stored one plus one): it orders the writes.</param>
    /// <param name="OperationsThrough">The number of the last inbox operation in the observation (or the last applied one when none is pending).</param>
    /// <param name="LastStepAt">When the last step ran, from the checkpoint.</param>
    /// <param name="Interval">The analysis interval in force (the override, else the canary's).</param>
    private sealed record TickContext(long Sequence, long OperationsThrough, DateTimeOffset? LastStepAt, TimeSpan Interval)
    {
        /// <summary>The canary's stats in the checkpoint this tick starts from: its commit stores them with this tick's counted in.</summary>
        public CanaryStats Stats { get; init; } = CanaryStats.Empty;
    }
}
