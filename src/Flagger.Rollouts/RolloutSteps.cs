using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Rollouts;

/// <summary>
/// The three activities of a tick, as plain methods: the Function App and Flagger.Host run the same code.
/// Apply is idempotent per tick: a tick already in the history is not applied again, so an activity
/// replayed after a crash never promotes or alerts twice.
/// </summary>
public sealed class RolloutSteps(CanaryObserver observer, CheckRunner checks, DecisionApplier applier, IRolloutStore store)
{
    /// <summary>Phases a rollout keeps ticking in; in the others the canary is idle until something changes.</summary>
    public static bool IsActive(CanaryStatus? status) =>
        status?.Paused == true || status?.Phase is null or CanaryPhase.Initializing or CanaryPhase.Waiting or
            CanaryPhase.Progressing or CanaryPhase.WaitingPromotion or CanaryPhase.Promoting or CanaryPhase.Finalising;

    public async Task<ObserveResult> ObserveAsync(ObserveRequest request, CancellationToken cancellationToken)
    {
        var observation = await observer.ObserveAsync(request.Namespace, request.Name, request.Now, cancellationToken);
        if (observation is null)
        {
            return new ObserveResult(null, null, 0);
        }

        observation = observation with { Operations = request.Operations };
        var checkpoint = await store.GetCheckpointAsync(request.Namespace, request.Name, cancellationToken);
        return new ObserveResult(observation, CanaryTick.Plan(observation).Plan, (checkpoint?.Sequence ?? 0) + 1);
    }

    public Task<CheckReport> RunChecksAsync(ChecksRequest request, CancellationToken cancellationToken) =>
        checks.RunAsync(request.Canary, request.Plan, cancellationToken);

    public async Task<TickOutcome> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var observation = request.Observation;
        var canary = observation.Canary;
        var ns = canary.Metadata.NamespaceProperty;
        var name = canary.Metadata.Name;

        var latest = (await store.GetHistoryAsync(ns, name, 1, null, cancellationToken)).Entries.FirstOrDefault();
        if (latest is not null && latest.Sequence >= request.Sequence)
        {
            var stored = await store.GetCheckpointAsync(ns, name, cancellationToken);
            return Outcome(canary, stored?.Status ?? canary.Status, latest.Message);
        }

        var decision = CanaryTick.Decide(observation, request.Report ?? CheckReport.Empty);
        await applier.ApplyAsync(observation, decision, cancellationToken);

        var status = decision.NextStatus ?? canary.Status ?? new CanaryStatus();
        var (primaryWeight, canaryWeight) = decision.Actions.OfType<SetRoutes>().LastOrDefault() is { } routes
            ? (routes.PrimaryWeight, routes.CanaryWeight)
            : (observation.Routes.PrimaryWeight, observation.Routes.CanaryWeight);
        await store.AppendHistoryAsync(
            new HistoryEntry(ns, name, request.Sequence, observation.Now, status.Phase, primaryWeight, canaryWeight,
                status.FailedChecks, decision.Summary, [.. decision.Checks.Stages.SelectMany(s => s.Results)], observation.Operations),
            cancellationToken);
        await store.SaveCheckpointAsync(
            new CanaryCheckpoint(ns, name, request.Sequence, status, primaryWeight, canaryWeight, observation.Now),
            cancellationToken);

        // Only once the tick is recorded: a replay of this activity stops at the history check above.
        await applier.SendAlertsAsync(canary, decision, cancellationToken);
        return Outcome(canary, status, decision.Summary);
    }

    private static TickOutcome Outcome(Canary canary, CanaryStatus? status, string summary) =>
        new(status?.Phase, IsActive(status), canary.Analysis.GetInterval(), summary);
}
