using Microsoft.DurableTask;

namespace Flagger.Rollouts;

/// <summary>
/// The rollout orchestrator and its tick activity registered on a plain Durable Task worker (Flagger.Host), under
/// the names the Function App binds with <c>[OrchestrationTrigger]</c>/<c>[ActivityTrigger]</c>. This registration
/// is also what lets the Durable analyzer check <see cref="CanaryRollout.RunAsync"/> for nondeterminism in this
/// assembly. The activity comes from DI, so it gets <see cref="RolloutSteps"/>.
/// </summary>
public static class RolloutTasks
{
    public static DurableTaskRegistry AddCanaryRollout(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<RolloutInput, TickOutcome?>(CanaryRollout.Orchestrator, (context, _) => CanaryRollout.RunAsync(context));
        registry.AddActivity<RunCanaryTick>(CanaryRollout.Tick);
        return registry;
    }

    private sealed class RunCanaryTick(RolloutSteps steps) : TaskActivity<TickRequest, TickOutcome?>
    {
        public override Task<TickOutcome?> RunAsync(TaskActivityContext context, TickRequest input) => steps.TickAsync(input, CancellationToken.None);
    }
}
