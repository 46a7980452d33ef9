using Flagger.Core.Analysis;
using Flagger.Functions.Rollouts;
using Microsoft.DurableTask;

namespace Flagger.Host;

/// <summary>
/// The Function App's orchestrator and activities registered on a plain Durable Task worker, under the same
/// names. (Kept out of Flagger.Functions: the Durable analyzer breaks when registrations and <c>[Function]</c>
/// orchestrators share an assembly.) Activities come from DI, so they get <see cref="RolloutSteps"/>.
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
