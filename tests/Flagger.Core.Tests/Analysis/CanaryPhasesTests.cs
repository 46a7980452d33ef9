using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

public class CanaryPhasesTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData(CanaryPhase.Initializing, true)]
    [InlineData(CanaryPhase.Waiting, true)]
    [InlineData(CanaryPhase.Progressing, true)]
    [InlineData(CanaryPhase.WaitingPromotion, true)]
    [InlineData(CanaryPhase.Promoting, true)]
    [InlineData(CanaryPhase.Finalising, true)]
    [InlineData(CanaryPhase.Terminating, true)]
    [InlineData(CanaryPhase.Initialized, false)]
    [InlineData(CanaryPhase.Succeeded, false)]
    [InlineData(CanaryPhase.Failed, false)]
    [InlineData(CanaryPhase.Terminated, false)]
    public void Ticks_OnlyRunningPhasesKeepTheRolloutAlive(CanaryPhase? phase, bool ticks)
    {
        Assert.Equal(ticks, CanaryPhases.Ticks(phase is null ? null : new CanaryStatus { Phase = phase }));
    }

    [Theory]
    [InlineData(CanaryPhase.Succeeded)]
    [InlineData(CanaryPhase.Failed)]
    public void Ticks_PausedIdleCanary_KeepsTicking(CanaryPhase phase)
    {
        Assert.True(CanaryPhases.Ticks(new CanaryStatus { Phase = phase, Paused = true }));
    }

    /// <summary>Every row of the spec's transition table (§2.5) is a move the table allows.</summary>
    [Theory]
    [InlineData(null, CanaryPhase.Initializing)]
    [InlineData(CanaryPhase.Initializing, CanaryPhase.Initialized)]
    [InlineData(CanaryPhase.Initializing, CanaryPhase.Failed)]
    [InlineData(CanaryPhase.Initialized, CanaryPhase.Waiting)]
    [InlineData(CanaryPhase.Succeeded, CanaryPhase.Waiting)]
    [InlineData(CanaryPhase.Failed, CanaryPhase.Waiting)]
    [InlineData(CanaryPhase.Initialized, CanaryPhase.Progressing)]
    [InlineData(CanaryPhase.Waiting, CanaryPhase.Progressing)]
    [InlineData(CanaryPhase.WaitingPromotion, CanaryPhase.Progressing)]
    [InlineData(CanaryPhase.Progressing, CanaryPhase.Failed)]
    [InlineData(CanaryPhase.WaitingPromotion, CanaryPhase.Failed)]
    [InlineData(CanaryPhase.Progressing, CanaryPhase.WaitingPromotion)]
    [InlineData(CanaryPhase.Progressing, CanaryPhase.Promoting)]
    [InlineData(CanaryPhase.WaitingPromotion, CanaryPhase.Promoting)]
    [InlineData(CanaryPhase.Promoting, CanaryPhase.Finalising)]
    [InlineData(CanaryPhase.Promoting, CanaryPhase.Failed)]
    [InlineData(CanaryPhase.Finalising, CanaryPhase.Failed)]
    [InlineData(CanaryPhase.Finalising, CanaryPhase.Succeeded)]
    [InlineData(CanaryPhase.Progressing, CanaryPhase.Succeeded)]
    [InlineData(CanaryPhase.Progressing, CanaryPhase.Progressing)]
    [InlineData(CanaryPhase.Terminating, CanaryPhase.Terminated)]
    public void CanMove_SpecTransition_IsAllowed(CanaryPhase? from, CanaryPhase to)
    {
        Assert.True(CanaryPhases.CanMove(from, to));
    }

    /// <summary>The moves that would promote or finish a revision without running its analysis are not in the table.</summary>
    [Theory]
    [InlineData(null, CanaryPhase.Progressing)]
    [InlineData(null, CanaryPhase.Succeeded)]
    [InlineData(CanaryPhase.Initialized, CanaryPhase.Promoting)]
    [InlineData(CanaryPhase.Failed, CanaryPhase.Promoting)]
    [InlineData(CanaryPhase.Failed, CanaryPhase.Succeeded)]
    [InlineData(CanaryPhase.Succeeded, CanaryPhase.Finalising)]
    [InlineData(CanaryPhase.Waiting, CanaryPhase.Promoting)]
    [InlineData(CanaryPhase.Finalising, CanaryPhase.Progressing)]
    [InlineData(CanaryPhase.Terminated, CanaryPhase.Progressing)]
    public void CanMove_ShortCut_IsRefused(CanaryPhase? from, CanaryPhase to)
    {
        Assert.False(CanaryPhases.CanMove(from, to));
    }

    [Theory]
    [InlineData(CanaryOperationKind.Promote, new[] { CanaryPhase.Progressing, CanaryPhase.WaitingPromotion })]
    [InlineData(CanaryOperationKind.Abort, new[] { CanaryPhase.Waiting, CanaryPhase.Progressing, CanaryPhase.WaitingPromotion })]
    [InlineData(CanaryOperationKind.Retry, new[] { CanaryPhase.Failed })]
    [InlineData(CanaryOperationKind.Approve, new[]
    {
        CanaryPhase.Initialized, CanaryPhase.Waiting, CanaryPhase.Progressing, CanaryPhase.WaitingPromotion, CanaryPhase.Succeeded, CanaryPhase.Failed,
    })]
    public void AllowedFor_Operation_ListsItsPhasesInOrder(CanaryOperationKind kind, CanaryPhase[] phases)
    {
        Assert.Equal(phases, CanaryPhases.AllowedFor(kind));
    }

    [Theory]
    [InlineData(CanaryOperationKind.Pause)]
    [InlineData(CanaryOperationKind.Resume)]
    public void Allows_PauseAndResume_InEveryPhaseAndBeforeInitialization(CanaryOperationKind kind)
    {
        Assert.True(CanaryPhases.Allows(null, kind));
        Assert.All(Enum.GetValues<CanaryPhase>(), phase => Assert.True(CanaryPhases.Allows(phase, kind)));
    }

    [Theory]
    [InlineData(CanaryPhase.Progressing, true)]
    [InlineData(CanaryPhase.Waiting, true)]
    [InlineData(CanaryPhase.Promoting, true)]
    [InlineData(CanaryPhase.WaitingPromotion, false)]
    [InlineData(CanaryPhase.Succeeded, false)]
    [InlineData(CanaryPhase.Failed, false)]
    public void KeepsWeight_OnlyPhasesThatCarryTrafficKeepTheCanaryWeight(CanaryPhase phase, bool keeps)
    {
        Assert.Equal(keeps, CanaryPhases.KeepsWeight(phase));
    }
}
