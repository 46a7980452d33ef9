using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts.Api;
using Flagger.Infrastructure.Webhooks.Gates;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;
using Moq;

namespace Flagger.Rollouts.Tests;

public sealed class CanaryApiTests
{
    private readonly InMemoryRolloutStore _store = new();
    private readonly InMemoryOperationInbox _inbox = new();
    private readonly InMemoryGateStore _gates = new();
    private readonly RecordingRolloutScheduler _scheduler = new();

    private async Task<(CanaryApi Api, InMemoryWorld World)> CreateAsync(Func<InMemoryWorld, Task>? arrange = null)
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        await world.InitializedAsync();
        if (arrange is not null)
        {
            await arrange(world);
        }

        return (new CanaryApi(world, _store, _inbox, _gates, TimeProvider.System), world);
    }

    [Fact]
    public async Task OperateAsync_UnknownCanary_Is404()
    {
        var (api, _) = await CreateAsync();

        var result = await api.OperateAsync("test", "missing", "abort", null, "ops", _scheduler, CancellationToken.None);

        Assert.Equal(404, result.Status);
        Assert.Empty(_scheduler.Signals);
    }

    [Fact]
    public async Task OperateAsync_IllegalForThePhase_Is409WithTheReason()
    {
        var (api, _) = await CreateAsync();

        var result = await api.OperateAsync("test", "podinfo", "promote", null, "ops", _scheduler, CancellationToken.None);

        Assert.Equal(409, result.Status);
        Assert.Equal("promote needs a canary in Progressing or WaitingPromotion, not Initialized", ((ApiError)result.Body!).Error);
        Assert.Empty(_scheduler.Signals);
    }

    [Fact]
    public async Task OperateAsync_Legal_StoresTheOperationWithWhoAskedThenWakesTheRollout()
    {
        var (api, _) = await CreateAsync(async world =>
        {
            world.UpdateTarget("podinfo:2.0.0");
            await world.TicksAsync(2);
        });

        var result = await api.OperateAsync("test", "podinfo", "Abort", null, "alice", _scheduler, CancellationToken.None);

        Assert.Equal(202, result.Status);
        Assert.Equal(1, ((AcceptedOperation)result.Body!).Number);
        var queued = Assert.Single(await _inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None));
        Assert.Equal((1L, CanaryOperationKind.Abort, "alice"), (queued.Number, queued.Operation.Kind, queued.Operation.By));
        Assert.Equal(RolloutSignal.Operation, Assert.Single(_scheduler.Signals).Signal);
    }

    [Fact]
    public async Task OperateAsync_StorageDown_WakesNothingAndQueuesNothing()
    {
        var (api, _) = await CreateAsync(async world =>
        {
            world.UpdateTarget("podinfo:2.0.0");
            await world.TicksAsync(2);
        });
        _inbox.EnqueueFailures.Enqueue(new IOException("table storage unreachable"));

        await Assert.ThrowsAsync<IOException>(() => api.OperateAsync("test", "podinfo", "abort", null, "alice", _scheduler, CancellationToken.None));

        Assert.Empty(await _inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None));
        Assert.Empty(_scheduler.Signals);
    }

    [Fact]
    public async Task OperateAsync_SeveralOperations_AreNumberedInTheOrderAccepted()
    {
        var (api, _) = await CreateAsync(async world =>
        {
            world.UpdateTarget("podinfo:2.0.0");
            await world.TicksAsync(2);
        });

        await api.OperateAsync("test", "podinfo", "pause", null, "alice", _scheduler, CancellationToken.None);
        await api.OperateAsync("test", "podinfo", "approve", WebhookType.ConfirmPromotion, "bob", _scheduler, CancellationToken.None);
        await api.OperateAsync("test", "podinfo", "abort", null, "carol", _scheduler, CancellationToken.None);

        var pending = await _inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None);
        Assert.Equal([(1L, "alice"), (2L, "bob"), (3L, "carol")], pending.Select(p => (p.Number, p.Operation.By!)));
    }

    [Fact]
    public async Task OperateAsync_UnknownOperation_Is404()
    {
        var (api, _) = await CreateAsync();

        Assert.Equal(404, (await api.OperateAsync("test", "podinfo", "explode", null, "ops", _scheduler, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task OperateAsync_Approve_OpensTheBuiltInGateAndWakesTheRollout()
    {
        var (api, _) = await CreateAsync();
        var endpoints = new GateEndpoints(_gates);
        const string Payload = """{"name":"podinfo","namespace":"test","phase":"Progressing"}""";
        Assert.Equal(403, (await endpoints.HandleAsync(GateEndpoints.Check, Payload, CancellationToken.None)).StatusCode);

        var result = await api.OperateAsync("test", "podinfo", "approve", WebhookType.ConfirmPromotion, "bob", _scheduler, CancellationToken.None);

        Assert.Equal(202, result.Status);
        Assert.Equal(200, (await endpoints.HandleAsync(GateEndpoints.Check, Payload, CancellationToken.None)).StatusCode);
        Assert.Equal(WebhookType.ConfirmPromotion, Assert.Single(await _inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None)).Operation.Detail);
    }

    [Fact]
    public async Task OperateAsync_ApproveAnUnknownGate_Is400()
    {
        var (api, _) = await CreateAsync();

        Assert.Equal(400, (await api.OperateAsync("test", "podinfo", "approve", "post-rollout", "bob", _scheduler, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task GetAsync_ShowsPhaseWeightsConditionsAndTheLastChecks()
    {
        var (api, world) = await CreateAsync();
        await _store.SaveCheckpointAsync(new CanaryCheckpoint("test", "podinfo", 3, world.Status with { Phase = CanaryPhase.Progressing }, 80, 20, DateTimeOffset.UtcNow), CancellationToken.None);
        await _store.AppendHistoryAsync(new HistoryEntry("test", "podinfo", 3, DateTimeOffset.UtcNow, CanaryPhase.Progressing, 80, 20, 0, "Advance podinfo.test canary weight 20",
            [new CheckResult(CheckKind.Metric, CanaryMetric.RequestSuccessRate, CheckVerdict.Passed, "ok", 99.5)], []), CancellationToken.None);

        var detail = (CanaryDetail)(await api.GetAsync("test", "podinfo", CancellationToken.None)).Body!;

        Assert.Equal((20, 80, "Advance podinfo.test canary weight 20"), (detail.CanaryWeight, detail.PrimaryWeight, detail.LastMessage));
        Assert.Equal(99.5, Assert.Single(detail.LastChecks).Value);
        Assert.Contains(detail.Conditions, c => c.Type == CanaryCondition.PromotedType);
    }

    [Fact]
    public async Task GetAsync_SaysWhatTheAnalysisSteps_SoAWatcherCanShowTheStep()
    {
        var (api, _) = await CreateAsync();

        var detail = (CanaryDetail)(await api.GetAsync("test", "podinfo", CancellationToken.None)).Body!;

        // Podinfo: stepWeight 10 up to maxWeight 50, threshold 10, every minute.
        Assert.Equal(("canary", 50, 0, 10, "1m0s"), (detail.Analysis.Strategy, detail.Analysis.MaxWeight, detail.Analysis.Iterations, detail.Analysis.Threshold, detail.Analysis.Interval));
        Assert.Equal([10, 20, 30, 40, 50], detail.Analysis.Weights);
    }

    [Fact]
    public async Task HistoryAsync_PagesNewestFirst_And404ForAnUnknownCanary()
    {
        var (api, _) = await CreateAsync();
        for (var i = 1; i <= 5; i++)
        {
            await _store.AppendHistoryAsync(new HistoryEntry("test", "podinfo", i, DateTimeOffset.UtcNow, CanaryPhase.Progressing, 100, 0, 0, $"tick {i}", [], []), CancellationToken.None);
        }

        var first = (HistoryPage)(await api.HistoryAsync("test", "podinfo", 2, null, CancellationToken.None)).Body!;
        var second = (HistoryPage)(await api.HistoryAsync("test", "podinfo", 2, first.ContinuationToken, CancellationToken.None)).Body!;

        Assert.Equal(["tick 5", "tick 4"], first.Entries.Select(e => e.Message));
        Assert.Equal(["tick 3", "tick 2"], second.Entries.Select(e => e.Message));
        Assert.Equal(404, (await api.HistoryAsync("test", "missing", null, null, CancellationToken.None)).Status);
        Assert.Equal(400, (await api.HistoryAsync("test", "podinfo", 0, null, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task EventsAsync_ListsTheCanarysEventsNewestFirst_And404ForAnUnknownCanary()
    {
        var (api, _) = await CreateAsync(async world =>
        {
            world.UpdateTarget("podinfo:2.0.0");
            await world.TicksAsync(2);
        });

        var events = (IReadOnlyList<CanaryEvent>)(await api.EventsAsync("test", "podinfo", CancellationToken.None)).Body!;

        var messages = events.Select(e => e.Message).ToList();
        Assert.Equal("Advance podinfo.test canary weight 10", messages[0]);
        var revision = messages.IndexOf("New revision detected! Scaling up podinfo.test");
        var initialized = messages.FindIndex(m => m.StartsWith("Initialization done!", StringComparison.Ordinal));
        Assert.True(revision > 0 && initialized > revision, string.Join(" | ", messages));
        Assert.Equal(404, (await api.EventsAsync("test", "missing", CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData("Test", "podinfo")]
    [InlineData("te_st", "podinfo")]
    [InlineData("-test", "podinfo")]
    [InlineData("test.prod", "podinfo")]
    [InlineData("test\n", "podinfo")]
    [InlineData("test", "Podinfo")]
    [InlineData("test", "podinfo-")]
    [InlineData("test", "pod..info")]
    [InlineData("test", "pod/info")]
    [InlineData("test", "")]
    [InlineData("", "podinfo")]
    public async Task Handlers_InvalidNamespaceOrName_Are400BeforeAnyStorageOrClusterCall(string @namespace, string name)
    {
        var (api, cluster, store, gates, scheduler) = Strict();

        var results = new[]
        {
            await api.GetAsync(@namespace, name, CancellationToken.None),
            await api.HistoryAsync(@namespace, name, null, null, CancellationToken.None),
            await api.EventsAsync(@namespace, name, CancellationToken.None),
            await api.OperateAsync(@namespace, name, "abort", null, "ops", scheduler.Object, CancellationToken.None),
            await api.OperateAsync(@namespace, name, "approve", WebhookType.ConfirmPromotion, "ops", scheduler.Object, CancellationToken.None),
        };

        Assert.All(results, r => Assert.Equal(400, r.Status));
        Assert.All(results, r => Assert.StartsWith("invalid ", ((ApiError)r.Body!).Error, StringComparison.Ordinal));
        cluster.VerifyNoOtherCalls();
        store.VerifyNoOtherCalls();
        gates.VerifyNoOtherCalls();
        scheduler.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Handlers_NamespaceOver63OrNameOver253_Are400()
    {
        var (api, _, _, _, _) = Strict();

        Assert.Equal(400, (await api.GetAsync(new string('a', 64), "podinfo", CancellationToken.None)).Status);
        Assert.Equal(400, (await api.GetAsync("test", new string('a', 254), CancellationToken.None)).Status);
        Assert.Contains("namespace", ((ApiError)(await api.GetAsync(new string('a', 64), "podinfo", CancellationToken.None)).Body!).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handlers_LongestValidNames_ReachTheCluster()
    {
        var (api, _) = await CreateAsync();

        var longestName = string.Join('.', Enumerable.Repeat(new string('b', 63), 3)) + "." + new string('c', 61);

        Assert.Equal(253, longestName.Length);
        Assert.Equal(404, (await api.GetAsync(new string('a', 63), longestName, CancellationToken.None)).Status);
        Assert.Equal(404, (await api.GetAsync("test-2", "podinfo.v2", CancellationToken.None)).Status);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("42")]
    [InlineData("-1")]
    [InlineData("Promote,Abort")]
    [InlineData(" promote")]
    [InlineData("")]
    public async Task OperateAsync_NumericOrOtherEnumSpellings_Are404AndDoNothing(string operation)
    {
        var (api, cluster, store, gates, scheduler) = Strict();

        var result = await api.OperateAsync("test", "podinfo", operation, null, "ops", scheduler.Object, CancellationToken.None);

        Assert.Equal(404, result.Status);
        cluster.VerifyNoOtherCalls();
        store.VerifyNoOtherCalls();
        gates.VerifyNoOtherCalls();
        scheduler.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("promote", CanaryOperationKind.Promote)]
    [InlineData("ABORT", CanaryOperationKind.Abort)]
    [InlineData("Retry", CanaryOperationKind.Retry)]
    [InlineData("pause", CanaryOperationKind.Pause)]
    [InlineData("resume", CanaryOperationKind.Resume)]
    [InlineData("aPPRove", CanaryOperationKind.Approve)]
    public void TryParseOperation_NamesCaseInsensitive_AreTheOperations(string operation, CanaryOperationKind expected)
    {
        Assert.True(CanaryApi.TryParseOperation(operation, out var kind));
        Assert.Equal(expected, kind);
    }

    /// <summary>An API over strict mocks: any storage, cluster, gate or scheduler call fails the test.</summary>
    private static (CanaryApi Api, Mock<ICanaryCluster> Cluster, Mock<IRolloutStore> Store, Mock<IGateStore> Gates, Mock<IRolloutScheduler> Scheduler) Strict()
    {
        var cluster = new Mock<ICanaryCluster>(MockBehavior.Strict);
        var store = new Mock<IRolloutStore>(MockBehavior.Strict);
        var gates = new Mock<IGateStore>(MockBehavior.Strict);
        var scheduler = new Mock<IRolloutScheduler>(MockBehavior.Strict);
        var inbox = new Mock<IOperationInbox>(MockBehavior.Strict);
        return (new CanaryApi(cluster.Object, store.Object, inbox.Object, gates.Object, TimeProvider.System), cluster, store, gates, scheduler);
    }
}
