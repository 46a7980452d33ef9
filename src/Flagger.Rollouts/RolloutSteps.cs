using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Rollouts;

/// <summary>
/// The three activities of a tick, as plain methods: the Function App and Flagger.Host run the same code.
/// Observe drains the canary's operation inbox and reads when its next step is due; apply records the tick,
/// then forgets the operations it applied. Apply is idempotent per tick: a tick already in the history is not
/// applied again, so an activity replayed after a crash never promotes or alerts twice.
/// </summary>
public sealed class RolloutSteps(CanaryObserver observer, CheckRunner checks, DecisionApplier applier, IRolloutStore store, IOperationInbox inbox)
{
    public async Task<ObserveResult> ObserveAsync(ObserveRequest request, CancellationToken cancellationToken)
    {
        var observation = await observer.ObserveAsync(request.Namespace, request.Name, request.Now, cancellationToken);
        if (observation is null)
        {
            return new ObserveResult(null, null, new TickContext(0, 0, null, TimeSpan.Zero));
        }

        var checkpoint = await store.GetCheckpointAsync(request.Namespace, request.Name, cancellationToken);
        var applied = checkpoint?.AppliedOperations ?? 0;
        var pending = await inbox.PendingAsync(request.Namespace, request.Name, applied, cancellationToken);
        var interval = request.Interval ?? observation.Canary.Analysis.GetInterval();
        var lastStepAt = checkpoint?.LastStepAt;
        observation = observation with
        {
            Operations = [.. pending.Select(p => p.Operation)],
            StepDueAt = lastStepAt + interval,
        };
        var context = new TickContext((checkpoint?.Sequence ?? 0) + 1, pending.Count > 0 ? pending[^1].Number : applied, lastStepAt, interval);
        return new ObserveResult(observation, CanaryTick.Plan(observation).Plan, context);
    }

    public Task<CheckReport> RunChecksAsync(ChecksRequest request, CancellationToken cancellationToken) =>
        checks.RunAsync(request.Canary, request.Plan, cancellationToken);

    public async Task<TickOutcome> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var observation = request.Observation;
        var context = request.Context;
        var canary = observation.Canary;
        var ns = canary.Metadata.NamespaceProperty;
        var name = canary.Metadata.Name;

        var latest = (await store.GetHistoryAsync(ns, name, 1, null, cancellationToken)).Entries.FirstOrDefault();
        if (latest is not null && latest.Sequence >= context.Sequence)
        {
            var stored = await store.GetCheckpointAsync(ns, name, cancellationToken);
            await TrimAsync(observation, context, cancellationToken);
            return await OutcomeAsync(canary, stored?.Status ?? canary.Status, stored?.LastStepAt ?? observation.Now, context, latest.Message, cancellationToken);
        }

        var decision = CanaryTick.Decide(observation, request.Report ?? CheckReport.Empty);
        var lastStepAt = decision.Stepped ? observation.Now : context.LastStepAt ?? observation.Now;
        if (IsIdleWake(decision, observation))
        {
            // Woken before the step was due with nothing to do: nothing to record either.
            return await OutcomeAsync(canary, canary.Status, lastStepAt, context, "Waiting for the analysis interval", cancellationToken);
        }

        await applier.ApplyAsync(observation, decision, cancellationToken);

        var status = decision.NextStatus ?? canary.Status ?? new CanaryStatus();
        var (primaryWeight, canaryWeight) = decision.Actions.OfType<SetRoutes>().LastOrDefault() is { } routes
            ? (routes.PrimaryWeight, routes.CanaryWeight)
            : (observation.Routes.PrimaryWeight, observation.Routes.CanaryWeight);
        await store.AppendHistoryAsync(
            new HistoryEntry(ns, name, context.Sequence, observation.Now, status.Phase, primaryWeight, canaryWeight,
                status.FailedChecks, decision.Summary, [.. decision.Checks.Stages.SelectMany(s => s.Results)], observation.Operations),
            cancellationToken);
        await store.SaveCheckpointAsync(
            new CanaryCheckpoint(ns, name, context.Sequence, status, primaryWeight, canaryWeight, observation.Now)
            {
                LastStepAt = lastStepAt,
                AppliedOperations = context.OperationsThrough,
            },
            cancellationToken);

        // Only once the tick is recorded: a replay of this activity stops at the history check above.
        await TrimAsync(observation, context, cancellationToken);
        await applier.SendAlertsAsync(canary, decision, cancellationToken);
        return await OutcomeAsync(canary, status, lastStepAt, context, decision.Summary, cancellationToken);
    }

    /// <summary>Forgets the operations this tick applied; a tick that drained none costs no storage call.</summary>
    private Task TrimAsync(CanaryObservation observation, TickContext context, CancellationToken cancellationToken) =>
        observation.Operations.Count == 0
            ? Task.CompletedTask
            : inbox.TrimAsync(observation.Canary.Metadata.NamespaceProperty, observation.Canary.Metadata.Name, context.OperationsThrough, cancellationToken);

    private static bool IsIdleWake(TickDecision decision, CanaryObservation observation) =>
        !decision.Stepped && decision.Actions.Count == 0 && decision.NextStatus is null && observation.Operations.Count == 0;

    private async Task<TickOutcome> OutcomeAsync(
        Canary canary, CanaryStatus? status, DateTimeOffset lastStepAt, TickContext context, string summary, CancellationToken cancellationToken)
    {
        var active = CanaryPhases.Ticks(status);
        var ns = canary.Metadata.NamespaceProperty;
        var name = canary.Metadata.Name;
        // An idle instance is about to end: it must not while operations wait (one may have arrived during this tick).
        var pending = !active && (await inbox.PendingAsync(ns, name, context.OperationsThrough, cancellationToken)).Count > 0;
        return new TickOutcome(status?.Phase, active, lastStepAt + context.Interval, summary, pending);
    }
}
