using Flagger.Rollouts;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Triggers;

/// <summary>The activity function of <see cref="CanaryRollout"/>: a thin binding over <see cref="RolloutSteps"/>.</summary>
public sealed class RolloutActivities(RolloutSteps steps)
{
    [Function(CanaryRollout.Tick)]
    public Task<TickOutcome?> TickAsync([ActivityTrigger] TickRequest request, CancellationToken cancellationToken) =>
        steps.TickAsync(request, cancellationToken);
}
