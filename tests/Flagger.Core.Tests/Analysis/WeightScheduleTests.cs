using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

public sealed class WeightScheduleTests
{
    [Theory]
    [InlineData(null, null, null, 100)]
    [InlineData(10, 50, null, 50)]
    [InlineData(10, 50, new[] { 5, 10, 30 }, 30)]
    [InlineData(null, 80, new[] { 1, 2, 200 }, 100)]
    public void MaxWeight_LadderWinsOverMaxWeightAndIsCappedAt100(int? stepWeight, int? maxWeight, int[]? ladder, int expected)
    {
        var analysis = new CanaryAnalysis { StepWeight = stepWeight, MaxWeight = maxWeight, StepWeights = ladder };

        Assert.Equal(expected, WeightSchedule.MaxWeight(analysis));
    }

    [Theory]
    [InlineData(10, null, 0, 10)]
    [InlineData(10, new[] { 1, 2 }, 0, 10)]
    [InlineData(null, new[] { 1, 2, 10, 80 }, 0, 1)]
    [InlineData(null, new[] { 1, 2, 10, 80 }, 2, 8)]
    [InlineData(null, new[] { 1, 2, 10, 200 }, 10, 90)]
    [InlineData(null, new[] { 1, 2, 10, 80 }, 100, 1)]
    [InlineData(null, null, 0, 0)]
    public void NextStep_StepWeightWinsThenTheLadder(int? stepWeight, int[]? ladder, int weight, int expected)
    {
        var analysis = new CanaryAnalysis { StepWeight = stepWeight, StepWeights = ladder };

        Assert.Equal(expected, WeightSchedule.NextStep(analysis, weight));
    }

    [Theory]
    [InlineData(10, 50, null, new[] { 10, 20, 30, 40, 50 })]
    [InlineData(20, 50, null, new[] { 20, 40, 60 })]
    [InlineData(30, null, null, new[] { 30, 60, 90, 100 })]
    [InlineData(null, null, new[] { 1, 5, 25, 60 }, new[] { 1, 5, 25, 60 })]
    [InlineData(null, null, null, new int[0])]
    public void Ladder_IsEveryCanaryWeightUpToMaxWeight_TheLastStepMayOvershoot(int? stepWeight, int? maxWeight, int[]? ladder, int[] expected)
    {
        var analysis = new CanaryAnalysis { StepWeight = stepWeight, MaxWeight = maxWeight, StepWeights = ladder };

        Assert.Equal(expected, WeightSchedule.Ladder(analysis));
    }

    [Theory]
    [InlineData(100, 0, 10, 90, 10)]
    [InlineData(60, 40, 20, 40, 60)]
    [InlineData(5, 95, 10, 0, 100)]
    public void Advance_MovesByTheStepWithinBounds(int primary, int canary, int step, int expectedPrimary, int expectedCanary)
    {
        Assert.Equal((expectedPrimary, expectedCanary), WeightSchedule.Advance(primary, canary, step));
    }

    [Theory]
    [InlineData(50, 50, 20, 70, 30)]
    [InlineData(90, 10, 50, 100, 0)]
    public void Promote_MovesTrafficBackToThePrimary(int primary, int canary, int step, int expectedPrimary, int expectedCanary)
    {
        Assert.Equal((expectedPrimary, expectedCanary), WeightSchedule.Promote(primary, canary, step));
    }
}
