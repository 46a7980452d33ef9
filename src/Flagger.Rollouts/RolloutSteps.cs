using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Telemetry;
using Flagger.Infrastructure.Webhooks;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts;

/// <summary>
/// The three activities of a tick, as plain methods: the Function App and Flagger.Host run the same code.
/// Observe drains the canary's operation inbox and reads when its next step is due; apply begins the tick in
/// the checkpoint (reserving its step), acts, records the history, commits the checkpoint, then forgets the
/// operations it applied and alerts. Apply is idempotent per tick: a committed tick refuses to begin again, so an
/// activity replayed after a crash never acts or alerts twice, and an attempt that failed before the commit is
/// completed by the next one. Storage per tick: one read in observe (the checkpoint and the inbox together), and
/// three writes in apply when it acts. Each activity is a span of the tick's trace (<see cref="TickTracing"/>).
/// Flagger's counters and tick-duration histogram ride in the checkpoint (<see cref="CanaryCheckpoint.Stats"/>):
/// observe hands the stored ones on in the tick's context and apply commits them with this tick counted in, so
/// they are counted once per committed tick and cost no storage call. A tick's duration is the time its
/// activities ran, each measuring its own (observe, checks, and apply up to its commit): what Flagger times
/// in one call, without the orchestrator's waits between activities, which no activity can see.
/// </summary>
public sealed class RolloutSteps(
    CanaryObserver observer,
    ICanaryCluster cluster,
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

    public async Task<ObserveResult> ObserveAsync(ObserveRequest request, CancellationToken cancellationToken)
    {
        using var tick = TickTracing.StartTick(request.Namespace, request.Name);
        try
        {
            var result = await TraceStepAsync(
                TickTracing.ObserveSpan, "observe", trace: null, request.Namespace, request.Name,
                () => ObserveCoreAsync(request, cancellationToken), r => r.Observation?.Canary.Status?.Phase);
            tick.Tick?.SetTag(FlaggerTelemetry.PhaseAttribute, result.Observation?.Canary.Status?.Phase?.ToString());
            return result with { Trace = TickTracing.Carry(tick.Tick) };
        }
        catch (Exception exception)
        {
            FlaggerTelemetry.RecordFailure(tick.Tick, exception);
            throw;
        }
    }

    public Task<CheckReport> RunChecksAsync(ChecksRequest request, CancellationToken cancellationToken) =>
        TraceStepAsync(
            TickTracing.ChecksSpan, "checks", request.Trace, request.Canary.Metadata.NamespaceProperty, request.Canary.Metadata.Name,
            () => RunTimedChecksAsync(request, cancellationToken), _ => request.Canary.Status?.Phase);

    public Task<TickOutcome> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken) =>
        TraceStepAsync(
            TickTracing.ApplySpan, "apply", request.Trace, request.Observation.Canary.Metadata.NamespaceProperty, request.Observation.Canary.Metadata.Name,
            async () =>
            {
                var outcome = await ApplyCoreAsync(request, cancellationToken);
                FlaggerTelemetry.Ticks.Add(1, new KeyValuePair<string, object?>(FlaggerTelemetry.PhaseAttribute, outcome.Phase?.ToString()));
                return outcome;
            },
            o => o.Phase);

    /// <summary>
    /// One activity as a span of the tick's trace, and its duration in <see cref="FlaggerTelemetry.StepDuration"/>,
    /// on the same clock as the durations Flagger's histogram adds up (<see cref="CanaryStats"/>).
    /// </summary>
    private async Task<T> TraceStepAsync<T>(
        string spanName, string step, TickTrace? trace, string @namespace, string name, Func<Task<T>> run, Func<T, CanaryPhase?> phase)
    {
        var started = _time.GetTimestamp();
        using var span = TickTracing.StartStep(spanName, trace, @namespace, name);
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

    private async Task<ObserveResult> ObserveCoreAsync(ObserveRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var observation = await observer.ObserveAsync(request.Namespace, request.Name, request.Now, cancellationToken);
        if (observation is null)
        {
            return new ObserveResult(null, null, new TickContext(0, 0, null, TimeSpan.Zero));
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
        var plan = CanaryTick.Plan(observation).Plan;
        var context = new TickContext(sequence, pending.Count > 0 ? pending[^1].Number : applied, lastStepAt, interval)
        {
            Stats = checkpoint?.Stats ?? CanaryStats.Empty,
            Observed = _time.GetElapsedTime(started),
        };
        return new ObserveResult(
            observation with { Canary = WebhookRedaction.Redact(observation.Canary) }, plan is null ? null : WebhookRedaction.Redact(plan), context);
    }

    private async Task<CheckReport> RunTimedChecksAsync(ChecksRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var report = await RunChecksCoreAsync(request, cancellationToken);
        return report with { Elapsed = _time.GetElapsedTime(started) };
    }

    private async Task<CheckReport> RunChecksCoreAsync(ChecksRequest request, CancellationToken cancellationToken)
    {
        if (!WebhookRedaction.HasWebhooks(request.Plan))
        {
            return await checks.RunAsync(request.Canary, request.Plan, cancellationToken);
        }

        var live = await cluster.GetCanaryAsync(request.Canary.Metadata.NamespaceProperty, request.Canary.Metadata.Name, cancellationToken);
        return WebhookRedaction.Restore(request.Canary, live) is { } canary && WebhookRedaction.Restore(request.Plan, request.Canary, live) is { } plan
            ? await checks.RunAsync(canary, plan, cancellationToken)
            : CheckReport.Empty with { CanaryChanged = true };
    }

    private async Task<TickOutcome> ApplyCoreAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var observation = request.Observation;
        var context = request.Context;
        var canary = observation.Canary;
        var ns = canary.Metadata.NamespaceProperty;
        var name = canary.Metadata.Name;

        if (request.Report is { CanaryChanged: true })
        {
            return ObserveAgain(observation);
        }

        // The decision is a pure function of the request, so every attempt of this activity makes the same one.
        var decision = CanaryTick.Decide(observation, request.Report ?? CheckReport.Empty);
        var lastStepAt = decision.Stepped ? observation.Now : context.LastStepAt ?? observation.Now;
        if (IsIdleWake(decision, observation))
        {
            // Woken before the step was due with nothing to do: nothing to record either.
            return await OutcomeAsync(canary, canary.Status, lastStepAt, context, "Waiting for the analysis interval", cancellationToken);
        }

        if (WebhookRedaction.CallsWebhooks(decision, canary))
        {
            var live = await cluster.GetCanaryAsync(ns, name, cancellationToken);
            if (WebhookRedaction.Restore(canary, live) is not { } restored)
            {
                return ObserveAgain(observation);
            }

            observation = observation with { Canary = restored };
        }

        if (!await BeginAsync(observation, context, decision.Stepped, cancellationToken))
        {
            // A replay: this tick (or a later one) is committed; its operations may still wait to be forgotten.
            var stored = await store.GetCheckpointAsync(ns, name, cancellationToken);
            await TrimAsync(observation, context, cancellationToken);
            return await OutcomeAsync(canary, stored?.Status ?? canary.Status, stored?.LastStepAt ?? observation.Now, context, decision.Summary, cancellationToken);
        }

        // An attempt that failed part-way acted already: the actions are idempotent (absolute weights, the same
        // spec copied), and a history entry of the same sequence is replaced.
        await applier.ApplyAsync(observation, decision, cancellationToken);
        var status = decision.NextStatus ?? canary.Status ?? new CanaryStatus();
        var (primaryWeight, canaryWeight) = decision.Actions.OfType<SetRoutes>().LastOrDefault() is { } routes
            ? (routes.PrimaryWeight, routes.CanaryWeight)
            : (observation.Routes.PrimaryWeight, observation.Routes.CanaryWeight);
        await store.AppendHistoryAsync(
            new HistoryEntry(ns, name, context.Sequence, observation.Now, status.Phase, primaryWeight, canaryWeight,
                status.FailedChecks, decision.Summary, [.. decision.Checks.Stages.SelectMany(s => s.Results)], observation.Operations),
            cancellationToken);

        // The tick's commit: from here a replay acts no more, and the next tick takes the next sequence. Its
        // duration ends here, as the commit carries it.
        var spent = context.Observed + (request.Report?.Elapsed ?? TimeSpan.Zero) + _time.GetElapsedTime(started);
        var committed = await store.SaveCheckpointAsync(
            new CanaryCheckpoint(ns, name, context.Sequence, status, primaryWeight, canaryWeight, observation.Now)
            {
                LastStepAt = lastStepAt,
                AppliedOperations = context.OperationsThrough,
                Stats = context.Stats.After(observation, decision, spent),
            },
            cancellationToken);

        // Only once the tick is committed: the operations are forgotten, and alerts go out once (a replay sends none).
        await TrimAsync(observation, context, cancellationToken);
        if (committed)
        {
            await applier.SendAlertsAsync(canary, decision, cancellationToken);
        }

        return await OutcomeAsync(canary, status, lastStepAt, context, decision.Summary, cancellationToken);
    }

    /// <summary>The Canary's spec changed since observe: nothing of this tick is applied, and the next one starts at once.</summary>
    private static TickOutcome ObserveAgain(CanaryObservation observation) =>
        new(observation.Canary.Status?.Phase, Active: true, observation.Now, "The Canary changed during the tick: observing it again");

    /// <summary>
    /// The tick's claim on its sequence, written before it touches the cluster, and its replay check in the same
    /// write: refused when the sequence is already committed. If the tick's writes then fail part-way (the status
    /// written, the storage down) and the activity's retries run out, the next tick still measures its interval
    /// from this step, so it cannot take a second one at once. Everything else stays as stored before the tick,
    /// its operations included: the next tick takes the same sequence and applies them again.
    /// </summary>
    private Task<bool> BeginAsync(CanaryObservation observation, TickContext context, bool steps, CancellationToken cancellationToken) =>
        store.SaveCheckpointAsync(
            new CanaryCheckpoint(
                observation.Canary.Metadata.NamespaceProperty, observation.Canary.Metadata.Name, context.Sequence,
                observation.Canary.Status ?? new CanaryStatus(), observation.Routes.PrimaryWeight, observation.Routes.CanaryWeight, observation.Now)
            {
                LastStepAt = steps ? observation.Now : context.LastStepAt,
                Reserved = true,
                // Inbox numbers are gap-free, so the operations before this tick's are the count of its own fewer.
                AppliedOperations = context.OperationsThrough - observation.Operations.Count,
                Stats = context.Stats,
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
}
