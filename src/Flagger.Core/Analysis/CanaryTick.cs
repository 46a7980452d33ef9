using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// One tick of a canary, as pure functions of what was observed: at most one state transition (spec §2.4).
/// <see cref="Plan"/> walks the tick assuming every check passes and returns the checks it meets on the way;
/// after they ran, <see cref="Decide"/> walks it again with their results. Both walks are the same code, so
/// the plan can never ask for a check the decision does not read, and the checks run in one activity.
/// </summary>
public static class CanaryTick
{
    public static TickStep Plan(CanaryObservation observation)
    {
        var planning = new PlanningChecks();
        var decision = SessionAffinityCookies.Apply(observation.Canary, new TickDecider(observation, planning).Decide());
        return planning.Stages.Count == 0
            ? new TickStep(null, decision)
            : new TickStep(new CheckPlan(planning.Stages), null);
    }

    public static TickDecision Decide(CanaryObservation observation, CheckReport report) =>
        SessionAffinityCookies.Apply(observation.Canary, new TickDecider(observation, new ReportedChecks(report)).Decide());

    private sealed class PlanningChecks : ICheckResults
    {
        public List<CheckStage> Stages { get; } = [];

        public StageResult Run(CheckStage stage)
        {
            Stages.Add(stage);
            return new StageResult(stage.Kind, true, []);
        }
    }

    private sealed class ReportedChecks(CheckReport report) : ICheckResults
    {
        private int _next;

        public StageResult Run(CheckStage stage)
        {
            if (_next >= report.Stages.Count || report.Stages[_next].Kind != stage.Kind)
            {
                throw new InvalidOperationException(
                    $"The check report does not match the tick: expected a {stage.Kind} stage at position {_next}.");
            }

            return report.Stages[_next++];
        }
    }
}

internal interface ICheckResults
{
    StageResult Run(CheckStage stage);
}
