using Flagger.Core.Analysis;
using Flagger.Core.Ports;
using Microsoft.DurableTask;

namespace Flagger.Rollouts;

/// <summary>
/// One orchestration per canary (instance <c>canary.{namespace}.{name}</c>): a tick as at most three
/// activities (observe, checks when the tick needs any, apply), then a wait for the analysis interval or a
/// signal (new image, operation), then <c>ContinueAsNew</c>. It ends when the canary is idle or deleted;
/// the next push, operation or sweep starts it again. Names are a wire contract: do not rename.
/// </summary>
public static class CanaryRollout
{
    public const string Orchestrator = "CanaryRollout";
    public const string Observe = "ObserveCanary";
    public const string Checks = "RunCanaryChecks";
    public const string Apply = "ApplyCanaryTick";
    public const string SignalEvent = "signal";

    /// <summary>Activities are retried on failure (an API server or storage outage), then the orchestration fails and the sweep restarts it.</summary>
    private static readonly TaskOptions s_retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>The orchestrator body; the Function App binds it with <c>[OrchestrationTrigger]</c>, Flagger.Host registers it in <see cref="RolloutTasks"/>.</summary>
    public static async Task<TickOutcome?> RunAsync(TaskOrchestrationContext context)
    {
        var input = context.GetInput<RolloutInput>() ?? throw new InvalidOperationException("a rollout needs its canary");
        var observed = await context.CallActivityAsync<ObserveResult>(
            Observe, new ObserveRequest(input.Namespace, input.Name, context.CurrentUtcDateTime, input.Operations), s_retry);
        if (observed.Observation is null)
        {
            return null;
        }

        var report = observed.Plan is { } plan
            ? await context.CallActivityAsync<CheckReport>(Checks, new ChecksRequest(observed.Observation.Canary, plan), s_retry)
            : null;
        var outcome = await context.CallActivityAsync<TickOutcome>(Apply, new ApplyRequest(observed.Observation, report, observed.Sequence), s_retry);

        // An idle canary ends its orchestration, but not before a short grace: a signal raised while this
        // last tick ran (an operator's retry right after a rollback) would otherwise die with the instance.
        var wait = outcome.Active ? input.Interval ?? outcome.Interval : input.IdleGrace ?? IdleGrace;
        var signal = await NextSignalAsync(context, wait);
        if (!outcome.Active && signal is null)
        {
            return outcome;
        }

        IReadOnlyList<CanaryOperation> operations = signal?.Operation is { } operation ? [operation] : [];
        context.ContinueAsNew(input with { Operations = operations }, preserveUnprocessedEvents: true);
        return outcome;
    }

    /// <summary>Longer than the backend's queue polling (1 s on Azure Storage), so a signal raised during the last tick arrives in time.</summary>
    public static readonly TimeSpan IdleGrace = TimeSpan.FromSeconds(5);

    /// <summary>The first signal within <paramref name="wait"/>, or null when the timer fires first.</summary>
    private static async Task<RolloutSignal?> NextSignalAsync(TaskOrchestrationContext context, TimeSpan wait)
    {
        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(context.CurrentUtcDateTime + wait, cancel.Token);
        var signal = context.WaitForExternalEvent<RolloutSignal>(SignalEvent, cancel.Token);
        var first = await Task.WhenAny(timer, signal);
        // Synchronously: CancelAsync would run the losing task's callbacks off the orchestration's thread.
        cancel.Cancel();
        return first == signal ? signal.Result : null;
    }
}
