using Flagger.Rollouts;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Flagger.Functions.Triggers;

/// <summary>The rollout orchestrator bound as a Durable Functions orchestration; its body is <see cref="CanaryRollout.RunAsync"/>.</summary>
public static class CanaryRolloutFunction
{
    [Function(CanaryRollout.Orchestrator)]
    public static Task<TickOutcome?> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context) => CanaryRollout.RunAsync(context);
}
