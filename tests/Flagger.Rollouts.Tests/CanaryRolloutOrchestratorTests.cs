using Flagger.Core.Model;
using Flagger.Rollouts;
using Microsoft.DurableTask;
using Moq;

namespace Flagger.Rollouts.Tests;

/// <summary>The orchestrator's control flow against a strict mock context: no real host, instant answers.</summary>
public sealed class CanaryRolloutOrchestratorTests
{
    private static readonly DateTime s_now = new(2026, 11, 26, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Guid s_tickId = new("6f1c2a4e-0b7d-4a53-9d2e-3c8f5b1a7e90");

    private static Mock<TaskOrchestrationContext> Context(RolloutInput input)
    {
        var context = new Mock<TaskOrchestrationContext>(MockBehavior.Strict);
        context.Setup(c => c.GetInput<RolloutInput>()).Returns(input);
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(s_now);
        context.Setup(c => c.NewGuid()).Returns(s_tickId);
        return context;
    }

    [Fact]
    public async Task RunAsync_CanaryDeleted_EndsWithoutWaiting()
    {
        var context = Context(new RolloutInput("test", "podinfo"));
        context.Setup(c => c.CallActivityAsync<TickOutcome?>(new TaskName(CanaryRollout.Tick), It.IsAny<TickRequest>(), It.IsAny<TaskOptions>()))
            .ReturnsAsync((TickOutcome?)null);

        var outcome = await CanaryRollout.RunAsync(context.Object);

        Assert.Null(outcome);
        context.VerifyAll();
    }

    [Fact]
    public async Task RunAsync_IdleAfterTheTick_EndsAfterAQuietGrace()
    {
        var context = Context(new RolloutInput("test", "podinfo", Interval: TimeSpan.FromSeconds(5)));
        context.Setup(c => c.CallActivityAsync<TickOutcome?>(
                new TaskName(CanaryRollout.Tick),
                new TickRequest("test", "podinfo", s_now, s_tickId.ToString("N"), TimeSpan.FromSeconds(5)),
                It.IsAny<TaskOptions>()))
            .ReturnsAsync(new TickOutcome(CanaryPhase.Succeeded, false, s_now.AddMinutes(1), "Promotion completed!"));
        context.Setup(c => c.CreateTimer(s_now + CanaryRollout.IdleGrace, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        context.Setup(c => c.WaitForExternalEvent<Core.Ports.RolloutSignal>(CanaryRollout.SignalEvent, It.IsAny<CancellationToken>()))
            .Returns(new TaskCompletionSource<Core.Ports.RolloutSignal>().Task);

        var outcome = await CanaryRollout.RunAsync(context.Object);

        Assert.Equal(CanaryPhase.Succeeded, outcome!.Phase);
        context.VerifyAll();
    }

    [Fact]
    public async Task RunAsync_SignalDuringTheIdleGrace_ContinuesSoTheNextTickDrainsTheInbox()
    {
        var context = Context(new RolloutInput("test", "podinfo"));
        SetupTick(context, new TickOutcome(CanaryPhase.Failed, false, s_now.AddMinutes(1), "Canary failed!"));
        context.Setup(c => c.CreateTimer(s_now + CanaryRollout.IdleGrace, It.IsAny<CancellationToken>())).Returns(new TaskCompletionSource().Task);
        context.Setup(c => c.WaitForExternalEvent<Core.Ports.RolloutSignal>(CanaryRollout.SignalEvent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Core.Ports.RolloutSignal.Operation);
        context.Setup(c => c.ContinueAsNew(It.Is<RolloutInput>(i => i.Name == "podinfo"), false));

        await CanaryRollout.RunAsync(context.Object);

        context.VerifyAll();
    }

    [Fact]
    public async Task RunAsync_IdleWithOperationsPending_ContinuesInsteadOfEnding()
    {
        var context = Context(new RolloutInput("test", "podinfo"));
        SetupTick(context, new TickOutcome(CanaryPhase.Failed, false, s_now.AddMinutes(1), "Canary failed!", OperationsPending: true));
        context.Setup(c => c.CreateTimer(s_now + CanaryRollout.IdleGrace, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        context.Setup(c => c.WaitForExternalEvent<Core.Ports.RolloutSignal>(CanaryRollout.SignalEvent, It.IsAny<CancellationToken>()))
            .Returns(new TaskCompletionSource<Core.Ports.RolloutSignal>().Task);
        context.Setup(c => c.ContinueAsNew(It.IsAny<RolloutInput>(), false));

        await CanaryRollout.RunAsync(context.Object);

        context.VerifyAll();
    }

    [Fact]
    public async Task RunAsync_Active_WaitsUntilTheNextStepIsDueNotAWholeIntervalFromNow()
    {
        // The last step ran 40 s ago with a 60 s interval: the timer is set 20 s ahead, on the stored clock.
        var context = Context(new RolloutInput("test", "podinfo"));
        var due = s_now.AddSeconds(20);
        SetupTick(context, new TickOutcome(CanaryPhase.Progressing, true, due, "Advance podinfo.test canary weight 20"));
        context.Setup(c => c.CreateTimer(due, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        context.Setup(c => c.WaitForExternalEvent<Core.Ports.RolloutSignal>(CanaryRollout.SignalEvent, It.IsAny<CancellationToken>()))
            .Returns(new TaskCompletionSource<Core.Ports.RolloutSignal>().Task);
        context.Setup(c => c.ContinueAsNew(It.IsAny<RolloutInput>(), false));

        await CanaryRollout.RunAsync(context.Object);

        context.VerifyAll();
    }

    private static void SetupTick(Mock<TaskOrchestrationContext> context, TickOutcome outcome)
    {
        context.Setup(c => c.CallActivityAsync<TickOutcome?>(new TaskName(CanaryRollout.Tick), It.IsAny<TickRequest>(), It.IsAny<TaskOptions>()))
            .ReturnsAsync(outcome);
    }
}
