using Flagger.Core.Analysis;
using Flagger.Rollouts;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Triggers;

/// <summary>The activity functions of <see cref="CanaryRollout"/>: thin bindings over <see cref="RolloutSteps"/>.</summary>
public sealed class RolloutActivities(RolloutSteps steps)
{
    [Function(CanaryRollout.Observe)]
    public Task<ObserveResult> ObserveAsync([ActivityTrigger] ObserveRequest request, CancellationToken cancellationToken) =>
        steps.ObserveAsync(request, cancellationToken);

    [Function(CanaryRollout.Checks)]
    public Task<CheckReport> RunChecksAsync([ActivityTrigger] ChecksRequest request, CancellationToken cancellationToken) =>
        steps.RunChecksAsync(request, cancellationToken);

    [Function(CanaryRollout.Apply)]
    public Task<TickOutcome> ApplyAsync([ActivityTrigger] ApplyRequest request, CancellationToken cancellationToken) =>
        steps.ApplyAsync(request, cancellationToken);
}
