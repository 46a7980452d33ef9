using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>The tick activity outside the orchestrator: what it costs the Durable payloads, and what a retried attempt does.</summary>
public sealed class RolloutStepsTests
{
    private static (RolloutSteps Steps, InMemoryWorld World, InMemoryRolloutStore Store) Create(CanaryBuilder builder)
    {
        var world = new InMemoryWorld(builder.Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        return (new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), new SeparateTickStateReader(store, inbox), store, inbox), world, store);
    }

    /// <summary>A tick's request as the orchestrator makes it: a new id each tick.</summary>
    private static TickRequest Request(InMemoryWorld world) => new("test", "podinfo", world.Now, Guid.NewGuid().ToString("N"));

    /// <summary>One tick, then the clock moves on an interval.</summary>
    private static async Task<TickOutcome> TickAsync(RolloutSteps steps, InMemoryWorld world, Func<TickRequest, Task<TickOutcome?>>? tick = null)
    {
        var outcome = await (tick ?? (r => steps.TickAsync(r, CancellationToken.None)))(Request(world));
        world.Now += world.Canary.Analysis.GetInterval();
        return outcome!;
    }

    private const string Secret = "s3cr3t-token";

    private static CanaryBuilder WithSecretHooks(CanaryBuilder builder) => builder.WithAnalysis(a => a.Webhooks =
    [
        new CanaryWebhook { Name = "load", Type = WebhookType.Rollout, Url = $"http://hooks.test/load?sig={Secret}", Metadata = new Dictionary<string, string> { ["token"] = Secret } },
        new CanaryWebhook { Name = "notify", Type = WebhookType.PostRollout, Url = $"http://hooks.test/{Secret}/done" },
        new CanaryWebhook { Name = "events", Type = WebhookType.Event, Url = $"http://hooks.test/events?token={Secret}" },
    ]);

    /// <summary>The event recorder's view: the event hook URL of the Canary each Event was recorded with (the production recorder posts there).</summary>
    private sealed class EventHookUrls(InMemoryWorld world) : Core.Ports.IEventRecorder
    {
        public List<string> Urls { get; } = [];

        public Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken)
        {
            Urls.AddRange(canary.Analysis.WebhooksOfType(WebhookType.Event).Select(w => w.Url));
            return world.RecordAsync(canary, canaryEvent, cancellationToken);
        }
    }

    [Fact]
    public async Task TickPayloads_CarryNoWebhookUrlOrMetadata_WhileTheHooksAreCalledWithTheirRealOnes()
    {
        var world = new InMemoryWorld(WithSecretHooks(Podinfo.Canary().WithStepWeight(50)).Build());
        var events = new EventHookUrls(world);
        var (store, inbox) = (new InMemoryRolloutStore(), new InMemoryOperationInbox());
        var steps = new RolloutSteps(
            new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, events, world), new SeparateTickStateReader(store, inbox), store, inbox);
        var payloads = new List<string>();
        for (var i = 0; i < 3 || (i < 12 && world.Phase != CanaryPhase.Succeeded); i++)
        {
            if (i == 2)
            {
                world.UpdateTarget("podinfo:2.0.0");
            }

            var request = Request(world);
            payloads.Add(JsonSerializer.Serialize(request));
            payloads.Add(JsonSerializer.Serialize(await steps.TickAsync(request, CancellationToken.None)));
            world.Now += world.Canary.Analysis.GetInterval();
        }

        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
        Assert.All(payloads, p => Assert.DoesNotContain(Secret, p, StringComparison.Ordinal));
        Assert.Contains(($"http://hooks.test/load?sig={Secret}", "token"), world.HookTargets.Select(t => (t.Url, t.Metadata?.Keys.Single())));
        Assert.Contains($"http://hooks.test/{Secret}/done", world.HookTargets.Select(t => t.Url));
        Assert.All(world.HookTargets, t => Assert.Contains(Secret, t.Url, StringComparison.Ordinal));
        Assert.NotEmpty(events.Urls);
        Assert.All(events.Urls, url => Assert.Equal($"http://hooks.test/events?token={Secret}", url));
    }

    [Fact]
    public async Task TickAsync_RetriedAfterItsCommit_DoesNotPromoteOrAlertTwice()
    {
        var (steps, world, store) = Create(Podinfo.Canary().WithStepWeight(50));
        for (var i = 0; i < 2; i++)
        {
            await TickAsync(steps, world);
        }

        world.UpdateTarget("podinfo:2.0.0");
        for (var i = 0; i < 2; i++)
        {
            await TickAsync(steps, world);
        }

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        var promotions = 0;
        var alertsBefore = 0;
        await TickAsync(steps, world, async request =>
        {
            alertsBefore = world.Alerts.Count;
            var first = await steps.TickAsync(request, CancellationToken.None);
            promotions = world.Events.Count(e => e.Message.StartsWith("Copying", StringComparison.Ordinal));
            var retry = await steps.TickAsync(request, CancellationToken.None);
            Assert.Equal(first!.Phase, retry!.Phase);
            Assert.Equal(first.NextTickAt, retry.NextTickAt);
            return retry;
        });

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Equal(1, promotions);
        Assert.Equal(promotions, world.Events.Count(e => e.Message.StartsWith("Copying", StringComparison.Ordinal)));
        var history = await store.GetHistoryAsync("test", "podinfo", 100, null, CancellationToken.None);
        Assert.Equal(history.Entries.Count, history.Entries.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(alertsBefore, world.Alerts.Count);
    }

    [Fact]
    public async Task TickAsync_RetriedAfterItActedPartWay_FinishesTheSameDecision_NotOneMadeOnWhatItHalfChanged()
    {
        var world = new InMemoryWorld(Podinfo.Canary().WithStepWeight(10).Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        var parts = new Safety.FaultyParts(world, store, inbox);
        var steps = new RolloutSteps(new CanaryObserver(parts, parts), new CheckRunner(world, parts), new DecisionApplier(parts, parts, world, world, world), parts, parts, parts);
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        world.UpdateTarget("podinfo:2.0.0");
        for (var i = 0; i < 4 && world.CanaryWeight == 0; i++)
        {
            await TickAsync(steps, world);
        }

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        // Asked in this order while Progressing: the retry is refused (nothing failed), the abort rolls back.
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Retry, "alice", world.Now), CancellationToken.None);
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Abort, "bob", world.Now), CancellationToken.None);
        // The tick's reservation is written, then its history write fails: the cluster already says Failed.
        parts.Arm(Safety.FaultPart.StorageWrites, calls: 1, healthyCalls: 1);
        var request = Request(world);
        var before = world.Events.Count;
        await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => steps.TickAsync(request, CancellationToken.None));
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        var firstAttempt = world.EventMessages.Skip(before).ToList();

        var outcome = await steps.TickAsync(request, CancellationToken.None);

        // The same decision acted again (its events again); one made on the half-changed canary (Failed) would
        // have refused the abort and taken the retry, starting the run over.
        Assert.Equal(firstAttempt, world.EventMessages.Skip(before + firstAttempt.Count));
        Assert.Equal(CanaryPhase.Failed, outcome!.Phase);
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        var checkpoint = (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!;
        Assert.False(checkpoint.Reserved);
        Assert.Null(checkpoint.Begun);
        Assert.Empty(await inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None));
    }

    [Fact]
    public async Task TickAsync_ANewTickAtTheSameInstantAsACommittedOne_IsNotTakenForARetry()
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        var steps = new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), new SeparateTickStateReader(store, inbox), store, inbox);
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        world.Now -= world.Canary.Analysis.GetInterval();
        var committed = (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!;
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Pause, "alice", world.Now), CancellationToken.None);

        await steps.TickAsync(Request(world) with { Now = committed.UpdatedAt }, CancellationToken.None);

        Assert.True(world.Canary.Status!.Paused);
        Assert.Equal(committed.Sequence + 1, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task TickAsync_WokenBeforeTheIntervalPassed_DoesNotStepAndRecordsNothing()
    {
        var (steps, world, store) = Create(Podinfo.Canary().WithStepWeight(10));
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        world.UpdateTarget("podinfo:2.0.0");
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        Assert.Equal(10, world.CanaryWeight);
        var recorded = (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence;

        // Six wake-ups a second apart (a re-pushed image, say), all inside the 60 s interval.
        world.Now -= world.Canary.Analysis.GetInterval();
        for (var i = 0; i < 6; i++)
        {
            world.Now += TimeSpan.FromSeconds(1);
            var checksBefore = world.MeasuredMetrics.Count;
            await steps.TickAsync(Request(world), CancellationToken.None);
            Assert.Equal(checksBefore, world.MeasuredMetrics.Count);
        }

        Assert.Equal(10, world.CanaryWeight);
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal(recorded, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task TickAsync_OnceTheIntervalPassed_StepsAndTellsWhenTheNextStepIsDue()
    {
        var (steps, world, _) = Create(Podinfo.Canary().WithStepWeight(10));
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        world.UpdateTarget("podinfo:2.0.0");
        await TickAsync(steps, world);
        var stepAt = world.Now;

        var outcome = await TickAsync(steps, world);

        Assert.Equal(10, world.CanaryWeight);
        Assert.Equal(stepAt + world.Canary.Analysis.GetInterval(), outcome.NextTickAt);
    }

    [Fact]
    public async Task TickAsync_OperationsInTheInbox_AreAppliedOnceAndForgotten()
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        var steps = new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), new SeparateTickStateReader(store, inbox), store, inbox);
        await TickAsync(steps, world);
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Pause, "alice", world.Now), CancellationToken.None);
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Resume, "bob", world.Now), CancellationToken.None);

        await TickAsync(steps, world);
        await TickAsync(steps, world);

        var history = (await store.GetHistoryAsync("test", "podinfo", 10, null, CancellationToken.None)).Entries;
        Assert.Equal(["alice", "bob"], history.SelectMany(e => e.Operations).Select(o => o.By!));
        Assert.Equal(2, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.AppliedOperations);
        Assert.Empty(await inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None));
        Assert.False(world.Canary.Status!.Paused);
    }
}
