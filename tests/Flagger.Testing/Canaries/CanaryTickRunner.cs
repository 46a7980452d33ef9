using Flagger.Core.Analysis;
using Flagger.Core.Ports;

namespace Flagger.Testing.Canaries;

/// <summary>
/// One whole tick in process: observe, decide, run the checks the decision needs, decide, apply. The durable
/// orchestrator runs the same three steps as separate activities; this runs them back to back, for tests.
/// </summary>
public sealed class CanaryTickRunner(CanaryObserver observer, CheckRunner checks, DecisionApplier applier)
{
    public CanaryTickRunner(
        ICanaryCluster cluster,
        ITrafficRouter router,
        IMetricProvider metrics,
        IWebhookClient webhooks,
        IEventRecorder events,
        INotifier notifier)
        : this(new CanaryObserver(cluster, router), new CheckRunner(webhooks, metrics), new DecisionApplier(cluster, router, webhooks, events, notifier))
    {
    }

    /// <param name="firstSeen">No tick of ours was committed for the canary yet (as the orchestrator tells from its checkpoint).</param>
    /// <param name="defaultGateTimeout">The host's default gate timeout (the observe step's setting).</param>
    /// <returns>The decision applied, or null when the Canary no longer exists.</returns>
    public async Task<TickDecision?> RunAsync(
        string @namespace,
        string name,
        DateTimeOffset now,
        IReadOnlyList<CanaryOperation>? operations = null,
        bool firstSeen = false,
        TimeSpan? defaultGateTimeout = null,
        CancellationToken cancellationToken = default)
    {
        var observation = await observer.ObserveAsync(@namespace, name, now, cancellationToken);
        if (observation is null)
        {
            return null;
        }

        observation = observation with { Operations = operations ?? [], FirstSeen = firstSeen, DefaultGateTimeout = defaultGateTimeout };

        var step = CanaryTick.Plan(observation);
        var decision = step.Decision
            ?? CanaryTick.Decide(observation, await checks.RunAsync(observation.Canary, step.Plan!, cancellationToken));

        await applier.ApplyAsync(observation, decision, cancellationToken);
        await applier.SendAlertsAsync(observation.Canary, decision, cancellationToken);
        return decision;
    }
}
