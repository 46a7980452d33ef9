using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>The weight arithmetic of the canary strategy and of progressive promotion (spec §2.8).</summary>
public static class WeightSchedule
{
    public const int TotalWeight = 100;

    /// <summary>The canary weight at which promotion starts: the last ladder value (capped at 100), else maxWeight, else 100.</summary>
    public static int MaxWeight(CanaryAnalysis analysis)
    {
        if (analysis.StepWeights is { Count: > 0 } ladder)
        {
            return Math.Min(TotalWeight, ladder[^1]);
        }

        return analysis.MaxWeight is > 0 ? analysis.MaxWeight.Value : TotalWeight;
    }

    /// <summary>
    /// The increment from <paramref name="canaryWeight"/>. A weight that is not on the ladder (the ladder was
    /// edited mid-run) snaps to the next ladder value above it; Flagger jumps straight to 100 there.
    /// </summary>
    public static int NextStep(CanaryAnalysis analysis, int canaryWeight)
    {
        if (analysis.StepWeight is > 0 || analysis.StepWeights is not { Count: > 0 })
        {
            return analysis.StepWeight ?? 0;
        }

        var ladder = analysis.StepWeights;
        var room = TotalWeight - canaryWeight;
        if (room <= 0)
        {
            return 1;
        }

        var next = ladder.FirstOrDefault(w => w > canaryWeight);
        return next > 0 ? Math.Min(room, next - canaryWeight) : room;
    }

    /// <summary>
    /// The canary weights a canary-strategy rollout steps through from 0, in order, ending at or just past
    /// <see cref="MaxWeight"/> (the step after which promotion starts); empty when the analysis has no step.
    /// </summary>
    public static IReadOnlyList<int> Ladder(CanaryAnalysis analysis)
    {
        var max = MaxWeight(analysis);
        var weights = new List<int>();
        for (var weight = 0; weight < max;)
        {
            var step = NextStep(analysis, weight);
            if (step <= 0)
            {
                break;
            }

            weight = Math.Min(TotalWeight, weight + step);
            weights.Add(weight);
        }

        return weights;
    }

    /// <summary>One step of the canary strategy: weights move by the step, bounded to 0..100 (the last step may overshoot maxWeight).</summary>
    public static (int Primary, int Canary) Advance(int primaryWeight, int canaryWeight, int step) =>
        (Math.Max(0, primaryWeight - step), Math.Min(TotalWeight, canaryWeight + step));

    /// <summary>One step of progressive promotion: traffic moves back to the primary by <paramref name="step"/>.</summary>
    public static (int Primary, int Canary) Promote(int primaryWeight, int canaryWeight, int step) =>
        (Math.Min(TotalWeight, primaryWeight + step), Math.Max(0, canaryWeight - step));
}
