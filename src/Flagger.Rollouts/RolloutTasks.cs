using Flagger.Core.Analysis;
using Microsoft.DurableTask;

namespace Flagger.Rollouts;

/// <summary>
/// The rollout orchestrator and its activities registered on a plain Durable Task worker (Flagger.Host), under
/// the names the Function App binds with <c>[OrchestrationTrigger]</c>/<c>[ActivityTrigger]</c>. This registration
/// is also what lets the Durable analyzer check <see cref="CanaryRollout.RunAsync"/> for nondeterminism in this
/// assembly. Activities come from DI, so they get <see cref="RolloutSteps"/>.
/// </summary>
public static class RolloutTasks
{
    public static DurableTaskRegistry AddCanaryRollout(this DurableTaskRegistry registry)
    {
        registry.AddOrchestratorFunc<RolloutInput, TickOutcome?>(CanaryRollout.Orchestrator, (context, _) => CanaryRollout.RunAsync(context));
        registry.AddActivity<ObserveCanary>(CanaryRollout.Observe);
        registry.AddActivity<RunCanaryChecks>(CanaryRollout.Checks);
        registry.AddActivity<ApplyCanaryTick>(CanaryRollout.Apply);
        return registry;
    }

    private sealed class ObserveCanary(RolloutSteps steps) : TaskActivity<ObserveRequest, ObserveResult>
    {
        public override Task<ObserveResult> RunAsync(TaskActivityContext context, ObserveRequest input) => steps.ObserveAsync(input, CancellationToken.None);
    }

    private sealed class RunCanaryChecks(RolloutSteps steps) : TaskActivity<ChecksRequest, CheckReport>
    {
        public override Task<CheckReport> RunAsync(TaskActivityContext context, ChecksRequest input) => steps.RunChecksAsync(input, CancellationToken.None);
    }

    private sealed class ApplyCanaryTick(RolloutSteps steps) : TaskActivity<ApplyRequest, TickOutcome>
    {
        public override Task<TickOutcome> RunAsync(TaskActivityContext context, ApplyRequest input) => steps.ApplyAsync(input, CancellationToken.None);
    }
}
