using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>The activities outside the orchestrator: what a replay after a crash does.</summary>
public sealed class RolloutStepsTests
{
    private static (RolloutSteps Steps, InMemoryWorld World, InMemoryRolloutStore Store) Create(CanaryBuilder builder)
    {
        var world = new InMemoryWorld(builder.Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        return (new RolloutSteps(new CanaryObserver(world, world), world, new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), new SeparateTickStateReader(store, inbox), store, inbox), world, store);
    }

    private static async Task<TickOutcome> TickAsync(RolloutSteps steps, InMemoryWorld world, Func<ApplyRequest, Task<TickOutcome>>? apply = null)
    {
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
        var report = observed.Plan is { } plan ? await steps.RunChecksAsync(new ChecksRequest(observed.Observation!.Canary, plan), CancellationToken.None) : null;
        var request = new ApplyRequest(observed.Observation!, report, observed.Context);
        var outcome = await (apply ?? (r => steps.ApplyAsync(r, CancellationToken.None)))(request);
        world.Now += world.Canary.Analysis.GetInterval();
        return outcome;
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
    public async Task ActivityPayloads_CarryNoWebhookUrlOrMetadata_WhileTheHooksAreCalledWithTheirRealOnes()
    {
        var world = new InMemoryWorld(WithSecretHooks(Podinfo.Canary().WithStepWeight(50)).Build());
        var events = new EventHookUrls(world);
        var (store, inbox) = (new InMemoryRolloutStore(), new InMemoryOperationInbox());
        var steps = new RolloutSteps(
            new CanaryObserver(world, world), world, new CheckRunner(world, world), new DecisionApplier(world, world, world, events, world), new SeparateTickStateReader(store, inbox), store, inbox);
        var payloads = new List<string>();
        for (var i = 0; i < 3 || (i < 12 && world.Phase != CanaryPhase.Succeeded); i++)
        {
            if (i == 2)
            {
                world.UpdateTarget("podinfo:2.0.0");
            }

            var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
            payloads.Add(JsonSerializer.Serialize(observed));
            CheckReport? report = null;
            if (observed.Plan is { } plan)
            {
                var checks = new ChecksRequest(observed.Observation!.Canary, plan);
                report = await steps.RunChecksAsync(checks, CancellationToken.None);
                payloads.Add(JsonSerializer.Serialize(checks));
                payloads.Add(JsonSerializer.Serialize(report));
            }

            var apply = new ApplyRequest(observed.Observation!, report, observed.Context);
            payloads.Add(JsonSerializer.Serialize(apply));
            payloads.Add(JsonSerializer.Serialize(await steps.ApplyAsync(apply, CancellationToken.None)));
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
    public async Task ATickWhoseCanaryChangedAfterObserve_CallsNoHookAndAppliesNothing_AndIsObservedAgainAtOnce()
    {
        var (steps, world, store) = Create(WithSecretHooks(Podinfo.Canary()));
        for (var i = 0; i < 2; i++)
        {
            await TickAsync(steps, world);
        }

        world.UpdateTarget("podinfo:2.0.0");
        for (var i = 0; i < 5 && world.CanaryWeight == 0; i++)
        {
            await TickAsync(steps, world);
        }

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
        Assert.NotNull(observed.Plan);
        world.Canary.Analysis.Webhooks![0].Url = "http://hooks.test/new";
        world.Canary.Metadata.Generation = (world.Canary.Metadata.Generation ?? 1) + 1;
        var (hooks, statusWrites, checkpoint) = (world.HookCalls.Count, world.StatusWrites.Count, await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None));

        var report = await steps.RunChecksAsync(new ChecksRequest(observed.Observation!.Canary, observed.Plan), CancellationToken.None);
        var outcome = await steps.ApplyAsync(new ApplyRequest(observed.Observation, report, observed.Context), CancellationToken.None);

        Assert.True(report.CanaryChanged);
        Assert.Equal(hooks, world.HookCalls.Count);
        Assert.Equal(statusWrites, world.StatusWrites.Count);
        Assert.Equal(checkpoint, await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None));
        Assert.True(outcome.Active);
        Assert.Equal(world.Now, outcome.NextTickAt);
    }

    [Fact]
    public async Task ApplyAsync_ReplayedAfterACrash_DoesNotPromoteOrAlertTwice()
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
            var first = await steps.ApplyAsync(request, CancellationToken.None);
            promotions = world.Events.Count(e => e.Message.StartsWith("Copying", StringComparison.Ordinal));
            var replay = await steps.ApplyAsync(request, CancellationToken.None);
            Assert.Equal(first.Phase, replay.Phase);
            return replay;
        });

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Equal(1, promotions);
        Assert.Equal(promotions, world.Events.Count(e => e.Message.StartsWith("Copying", StringComparison.Ordinal)));
        var history = await store.GetHistoryAsync("test", "podinfo", 100, null, CancellationToken.None);
        Assert.Equal(history.Entries.Count, history.Entries.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(alertsBefore, world.Alerts.Count);
    }

    [Fact]
    public async Task ObserveAsync_NumbersTicksAfterTheLastStoredOne()
    {
        var (steps, world, store) = Create(Podinfo.Canary());

        await TickAsync(steps, world);
        await TickAsync(steps, world);
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);

        Assert.Equal(3, observed.Context.Sequence);
        Assert.Equal(2, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task ApplyAsync_WokenBeforeTheIntervalPassed_DoesNotStepAndRecordsNothing()
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
            var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
            Assert.Null(observed.Plan);
            await steps.ApplyAsync(new ApplyRequest(observed.Observation!, null, observed.Context), CancellationToken.None);
        }

        Assert.Equal(10, world.CanaryWeight);
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal(recorded, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task ApplyAsync_OnceTheIntervalPassed_StepsAndTellsWhenTheNextStepIsDue()
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
    public async Task ObserveAsync_OperationsInTheInbox_AreAppliedOnceAndForgotten()
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        var steps = new RolloutSteps(new CanaryObserver(world, world), world, new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), new SeparateTickStateReader(store, inbox), store, inbox);
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
