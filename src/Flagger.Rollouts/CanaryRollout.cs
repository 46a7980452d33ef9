using Flagger.Core.Ports;
using Microsoft.DurableTask;

namespace Flagger.Rollouts;

/// <summary>
/// One orchestration per canary (instance <c>canary.{namespace}.{name}</c>): a tick as one activity (observe,
/// the checks it needs, apply: <see cref="RolloutSteps"/>), then a wait until the next step is due or a signal
/// (new image, operation), then <c>ContinueAsNew</c>. Only the canary's name, the orchestration's clock and the
/// tick's id go in, and only the outcome comes back: the observation stays in the activity, so the task hub's
/// history holds no spec, status or webhook address, and a tick costs the backend one activity's messages. A signal only wakes the instance: the tick it
/// runs applies the waiting operations, and steps only if the interval since the last step has passed (the
/// decider's rule, from stored state). It ends when the canary is idle, no signal came within a short grace
/// and its operation inbox is empty; the next push, operation or sweep starts it again. Names are a wire
/// contract: do not rename.
/// </summary>
public static class CanaryRollout
{
    public const string Orchestrator = "CanaryRollout";
    public const string Tick = "RunCanaryTick";
    public const string SignalEvent = "signal";

    /// <summary>Activities are retried on failure (an API server or storage outage), then the orchestration fails and the sweep restarts it.</summary>
    private static readonly TaskOptions s_retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>The orchestrator body; the Function App binds it with <c>[OrchestrationTrigger]</c>, Flagger.Host registers it in <see cref="RolloutTasks"/>.</summary>
    public static async Task<TickOutcome?> RunAsync(TaskOrchestrationContext context)
    {
        var input = context.GetInput<RolloutInput>() ?? throw new InvalidOperationException("a rollout needs its canary");
        var tick = new TickRequest(input.Namespace, input.Name, context.CurrentUtcDateTime, context.NewGuid().ToString("N"), input.Interval);
        var outcome = await context.CallActivityAsync<TickOutcome?>(Tick, tick, s_retry);
        if (outcome is null)
        {
            return null;
        }

        // An idle canary ends its orchestration, but not before a short grace: a signal raised while this
        // last tick ran (an operator's retry right after a rollback) would otherwise die with the instance.
        // Operations themselves are never lost with it: they wait in the inbox for the next start or sweep.
        var wakeAt = outcome.Active ? outcome.NextTickAt.UtcDateTime : context.CurrentUtcDateTime + (input.IdleGrace ?? IdleGrace);
        var signalled = await WaitForSignalAsync(context, wakeAt);
        if (!outcome.Active && !signalled && !outcome.OperationsPending)
        {
            return outcome;
        }

        context.ContinueAsNew(input, preserveUnprocessedEvents: false);
        return outcome;
    }

    /// <summary>Longer than the backend's queue polling (1 s on Azure Storage), so a signal raised during the last tick arrives in time.</summary>
    public static readonly TimeSpan IdleGrace = TimeSpan.FromSeconds(5);

    /// <summary>True when a signal came before <paramref name="wakeAt"/>, false when the timer fired first.</summary>
    private static async Task<bool> WaitForSignalAsync(TaskOrchestrationContext context, DateTime wakeAt)
    {
        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(wakeAt, cancel.Token);
        var signal = context.WaitForExternalEvent<RolloutSignal>(SignalEvent, cancel.Token);
        var first = await Task.WhenAny(timer, signal);
        // Synchronously: CancelAsync would run the losing task's callbacks off the orchestration's thread.
        cancel.Cancel();
        return first == signal;
    }
}
