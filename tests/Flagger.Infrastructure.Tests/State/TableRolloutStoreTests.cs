using Azure.Data.Tables;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.State;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.State;

[Collection(AzuriteCollection.Name)]
public sealed class TableRolloutStoreTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Ns = "test";
    private readonly string _prefix = AzuriteFixture.NewPrefix();

    [Fact]
    public async Task SaveCheckpoint_NewCanary_RoundTripsFullStatusAndQueryableColumns()
    {
        var checkpoint = StateSamples.Checkpoint(Ns, "podinfo", 3);

        Assert.True(await azurite.CreateStore(_prefix).SaveCheckpointAsync(checkpoint, default));
        var read = await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "podinfo", default);

        Assert.NotNull(read);
        Assert.Equal(StateSamples.Json(checkpoint), StateSamples.Json(read));
        var row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "podinfo")).Value;
        Assert.Equal("Progressing", row.GetString("Phase"));
        Assert.Equal(30, row.GetInt32("CanaryWeight"));
        Assert.Equal(70, row.GetInt32("PrimaryWeight"));
        Assert.Equal(1, row.GetInt32("FailedChecks"));
        Assert.Equal(3L, row.GetInt64("Sequence"));
        Assert.Equal(StateSamples.Now.AddSeconds(2), row.GetDateTimeOffset("LastStepAt"));
        Assert.Equal(6L, row.GetInt64("AppliedOperations"));
        Assert.Equal(false, row.GetBoolean("Reserved"));
        Assert.False(row.ContainsKey("Image"));
        Assert.Contains("\"pendingRevision\":\"6f7e8d9c\"", row.GetString("Status"), StringComparison.Ordinal);
        Assert.Contains("\"gateWait\":{\"gate\":\"confirm-traffic-increase\",\"revision\":\"5d8f7c9b6\",\"since\":\"2025-11-20T10:20:15Z\"}",
            row.GetString("Status"), StringComparison.Ordinal);
        Assert.Equal(StateSamples.Now.AddMinutes(-10).AddMilliseconds(-123), read.Status.GateWait!.Since);
    }

    [Fact]
    public async Task SaveCheckpoint_WithStats_RoundTripsThemInTheSameRow_ReadListedAndAsTickState()
    {
        var checkpoint = StateSamples.Checkpoint(Ns, "podinfo", 3) with { Stats = StateSamples.Stats() };

        Assert.True(await azurite.CreateStore(_prefix).SaveCheckpointAsync(checkpoint, default));

        var read = await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "podinfo", default);
        var state = await azurite.CreateStore(_prefix).ReadAsync(Ns, "podinfo", default);
        var listed = Assert.Single(await azurite.CreateStore(_prefix).ListCheckpointsAsync(default));
        Assert.Equal(StateSamples.Json(checkpoint.Stats), StateSamples.Json(read!.Stats));
        Assert.Equal(StateSamples.Json(checkpoint.Stats), StateSamples.Json(state.Checkpoint!.Stats));
        Assert.Equal(StateSamples.Json(checkpoint.Stats), StateSamples.Json(listed.Stats));
        Assert.Equal(5, read.Stats.Durations.Count);
        Assert.Equal(13.004, read.Stats.Durations.Sum, 9);
        var row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "podinfo")).Value;
        output.WriteLine(row.GetString("Stats"));
        Assert.InRange(row.GetString("Stats")!.Length, 1, 1024);
    }

    [Fact]
    public async Task SaveCheckpoint_AReservationWithItsBegunTick_RoundTripsIt_AndTheCommitDropsIt()
    {
        var canary = Flagger.Testing.Canaries.Podinfo.Canary().WithWebhook(WebhookType.Rollout, "load", "http://loadtester/").Build();
        var observation = new CanaryObservation(
            canary, StateSamples.Now, new WorkloadObservation("5d8f7c9b6", new Dictionary<string, string> { ["configmap/podinfo-config"] = "abc" }, Core.Workloads.Readiness.Ready, Core.Workloads.Readiness.Ready),
            RouteObservation.Ready(80, 20))
        {
            Operations = [new CanaryOperation(CanaryOperationKind.Abort, "bob", StateSamples.Now)],
            StepDueAt = StateSamples.Now.AddSeconds(-3),
            DefaultGateTimeout = TimeSpan.FromMinutes(3),
        };
        var report = new CheckReport([new StageResult(CheckStageKind.Analysis, false, StateSamples.History(Ns, "podinfo", 4).Checks)]);
        var reservation = StateSamples.Checkpoint(Ns, "podinfo", 4) with { Reserved = true, TickId = "7c1f", Begun = new BegunTick(observation, report) };
        var store = azurite.CreateStore(_prefix);

        Assert.True(await store.SaveCheckpointAsync(reservation, default));
        var read = (await azurite.CreateStore(_prefix).ReadAsync(Ns, "podinfo", default)).Checkpoint!;

        Assert.Equal("7c1f", read.TickId);
        Assert.Equal(StateSamples.Json(reservation.Begun), StateSamples.Json(read.Begun));
        Assert.Equal(canary.Metadata.Generation, read.Begun!.Observation.Canary.Metadata.Generation);
        Assert.True(double.IsNaN(read.Begun.Report.Stages[0].Results[2].Value!.Value));
        Assert.True(await store.SaveCheckpointAsync(reservation with { Reserved = false, Begun = null }, default));
        var row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "podinfo")).Value;
        Assert.False(row.ContainsKey("Begun"));
        Assert.Null((await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "podinfo", default))!.Begun);
    }

    [Fact]
    public async Task GetCheckpoint_RowFromBeforeStatsWereKept_ReadsWithEmptyStats()
    {
        Assert.True(await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 1), default));
        var row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "podinfo")).Value;
        row.Remove("Stats");
        await Table("Canaries").UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        var read = await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "podinfo", default);

        Assert.Equal(StateSamples.Json(CanaryStats.Empty), StateSamples.Json(read!.Stats));
    }

    [Fact]
    public async Task GetCheckpoint_RowWithColumnsNoLongerWritten_ReadsAndIsReplacedWithoutThem()
    {
        var store = azurite.CreateStore(_prefix);
        Assert.True(await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 1), default));
        var row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "podinfo")).Value;
        row["Image"] = "myacr.azurecr.io/podinfo:6.0.1";
        await Table("Canaries").UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        var read = await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "podinfo", default);
        var listed = Assert.Single(await azurite.CreateStore(_prefix).ListCheckpointsAsync(default));
        Assert.True(await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 2), default));

        Assert.Equal(StateSamples.Json(StateSamples.Checkpoint(Ns, "podinfo", 1)), StateSamples.Json(read));
        Assert.Equal(StateSamples.Json(read), StateSamples.Json(listed));
        Assert.False((await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "podinfo")).Value.ContainsKey("Image"));
    }

    [Fact]
    public async Task GetCheckpoint_UnknownCanary_ReturnsNull()
    {
        Assert.Null(await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "missing", default));
    }

    [Fact]
    public async Task SaveCheckpoint_StatusAbove64KiB_StoredCompressedInOneRowAndRoundTrips()
    {
        var store = azurite.CreateStore(_prefix);
        var large = StateSamples.Checkpoint(Ns, "big", 1, StateSamples.Status(trackedConfigs: 6000));
        Assert.True(StateSamples.Json(large.Status).Length > 3 * 64 * 1024);

        Assert.True(await store.SaveCheckpointAsync(large, default));

        var row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "big")).Value;
        Assert.Null(row.GetString("Status"));
        Assert.True(row.GetInt32("StatusGzipParts") >= 2, $"parts: {row.GetInt32("StatusGzipParts")}");
        Assert.Equal(StateSamples.Json(large), StateSamples.Json(await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "big", default)));

        var small = StateSamples.Checkpoint(Ns, "big", 2);
        Assert.True(await store.SaveCheckpointAsync(small, default));
        row = (await Table("Canaries").GetEntityAsync<TableEntity>(Ns, "big")).Value;
        Assert.NotNull(row.GetString("Status"));
        Assert.DoesNotContain(row.Keys, k => k.StartsWith("StatusGzip", StringComparison.Ordinal));
        Assert.Equal(StateSamples.Json(small), StateSamples.Json(await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "big", default)));
    }

    [Fact]
    public async Task SaveCheckpoint_StaleEtagAfterOtherWriter_RereadsAndNeverOverwritesHigherSequence()
    {
        var counter = new RequestCounter();
        var writerA = azurite.CreateStore(_prefix, counter);
        var writerB = azurite.CreateStore(_prefix);
        Assert.True(await writerA.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 1), default));
        Assert.True(await writerB.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 3), default));
        counter.Reset();

        var saved = await writerA.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 2), default);

        Assert.False(saved);
        Assert.Contains(counter.Requests, r => r.Method == "PUT" && r.Status == 412);
        Assert.Contains(counter.Requests, r => r.Method == "GET" && r.Status == 200);
        Assert.Equal(3, (await writerB.GetCheckpointAsync(Ns, "podinfo", default))?.Sequence);

        Assert.True(await writerA.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 4), default));
        Assert.Equal(4, (await writerB.GetCheckpointAsync(Ns, "podinfo", default))?.Sequence);
    }

    [Fact]
    public async Task SaveCheckpoint_TwoWritersRacing_HighestSequenceWinsAndLowerNeverOverwrites()
    {
        var writers = new[] { azurite.CreateStore(_prefix), azurite.CreateStore(_prefix) };
        // The highest goes out first, so a blind write of any later, lower one would end on top.
        var sequences = new List<long> { 30 };
        sequences.AddRange(Enumerable.Range(1, 29).Select(i => (long)i).OrderBy(_ => Random.Shared.Next()));

        var results = await Task.WhenAll(sequences.Select(async (sequence, i) =>
            (sequence, saved: await writers[i % 2].SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "race", sequence), default))));

        var stored = await azurite.CreateStore(_prefix).GetCheckpointAsync(Ns, "race", default);
        Assert.Equal(30, stored?.Sequence);
        Assert.Equal(StateSamples.Now.AddSeconds(30), stored?.UpdatedAt);
        Assert.Contains((30L, true), results);
    }

    [Fact]
    public async Task SaveCheckpoint_LowerSequence_ReturnsFalseAndKeepsRow()
    {
        var store = azurite.CreateStore(_prefix);
        Assert.True(await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 5), default));

        Assert.False(await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 4, StateSamples.Status(CanaryPhase.Failed)), default));
        Assert.False(await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 3), default));

        var stored = await store.GetCheckpointAsync(Ns, "podinfo", default);
        Assert.Equal(5, stored?.Sequence);
        Assert.Equal(CanaryPhase.Progressing, stored?.Status.Phase);
    }

    [Fact]
    public async Task SaveCheckpoint_SameSequence_ReplacesAReservationOnly_FromThisWriterAndFromAFreshOne()
    {
        // A tick begins (reserved), then commits under the same sequence; a replay's begin is refused.
        var store = azurite.CreateStore(_prefix);
        var reserved = StateSamples.Checkpoint(Ns, "podinfo", 6) with { };
        Assert.True(reserved.Reserved);
        Assert.True(await store.SaveCheckpointAsync(reserved, default));
        Assert.True(await store.SaveCheckpointAsync(reserved, default));

        var committed = StateSamples.Checkpoint(Ns, "podinfo", 6, StateSamples.Status(CanaryPhase.Failed)) with { Reserved = false };
        Assert.True(await store.SaveCheckpointAsync(committed, default));
        Assert.Equal((CanaryPhase.Failed, false), await PhaseAndReservedAsync(store));

        Assert.False(await store.SaveCheckpointAsync(reserved, default));
        Assert.False(await azurite.CreateStore(_prefix).SaveCheckpointAsync(reserved, default));
        Assert.False(await azurite.CreateStore(_prefix).SaveCheckpointAsync(committed with { Status = StateSamples.Status(CanaryPhase.Succeeded) }, default));
        Assert.Equal((CanaryPhase.Failed, false), await PhaseAndReservedAsync(azurite.CreateStore(_prefix)));
    }

    [Fact]
    public async Task SaveCheckpoint_SameSequenceReservedByAnotherWriter_IsReplacedByAFreshOne()
    {
        Assert.True(await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 6), default));

        var committed = StateSamples.Checkpoint(Ns, "podinfo", 6, StateSamples.Status(CanaryPhase.Succeeded)) with { Reserved = false };
        Assert.True(await azurite.CreateStore(_prefix).SaveCheckpointAsync(committed, default));

        Assert.Equal((CanaryPhase.Succeeded, false), await PhaseAndReservedAsync(azurite.CreateStore(_prefix)));
    }

    private static async Task<(CanaryPhase? Phase, bool Reserved)> PhaseAndReservedAsync(Flagger.Core.Ports.IRolloutStore store) =>
        (await store.GetCheckpointAsync(Ns, "podinfo", default)) is { } stored ? (stored.Status.Phase, stored.Reserved) : (null, false);

    [Fact]
    public async Task DeleteCheckpoint_ByOtherWriter_AllowsTheCanaryToStartAgainFromSequenceOne()
    {
        var writerA = azurite.CreateStore(_prefix);
        var writerB = azurite.CreateStore(_prefix);
        Assert.True(await writerA.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 5), default));

        await writerB.DeleteCheckpointAsync(Ns, "podinfo", default);
        await writerB.DeleteCheckpointAsync(Ns, "podinfo", default);

        Assert.Null(await writerB.GetCheckpointAsync(Ns, "podinfo", default));
        Assert.True(await writerA.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 1), default));
        Assert.Equal(1, (await writerB.GetCheckpointAsync(Ns, "podinfo", default))?.Sequence);
    }

    [Fact]
    public async Task ListCheckpoints_CanariesInTwoNamespaces_ReturnsEach()
    {
        var store = azurite.CreateStore(_prefix);
        await store.SaveCheckpointAsync(StateSamples.Checkpoint("apps", "podinfo", 1), default);
        await store.SaveCheckpointAsync(StateSamples.Checkpoint("apps", "frontend", 2), default);
        await store.SaveCheckpointAsync(StateSamples.Checkpoint("test", "podinfo", 3), default);

        var all = await azurite.CreateStore(_prefix).ListCheckpointsAsync(default);

        Assert.Equal(["apps/frontend:2", "apps/podinfo:1", "test/podinfo:3"], all.Select(c => $"{c.Namespace}/{c.Name}:{c.Sequence}").Order());
    }

    [Fact]
    public async Task GetHistory_SevenTicksPageSizeThree_NewestFirstAcrossThreePages()
    {
        var store = azurite.CreateStore(_prefix);
        foreach (var sequence in new long[] { 3, 1, 7, 2, 5, 4, 6 })
        {
            await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", sequence), default);
        }

        await store.AppendHistoryAsync(StateSamples.History(Ns, "other", 8), default);
        await store.AppendHistoryAsync(StateSamples.History("test2", "podinfo", 9), default);

        var first = await store.GetHistoryAsync(Ns, "podinfo", 3, null, default);
        var second = await store.GetHistoryAsync(Ns, "podinfo", 3, first.ContinuationToken, default);
        var third = await store.GetHistoryAsync(Ns, "podinfo", 3, second.ContinuationToken, default);

        Assert.Equal([7L, 6, 5], first.Entries.Select(e => e.Sequence));
        Assert.NotNull(first.ContinuationToken);
        Assert.Equal([4L, 3, 2], second.Entries.Select(e => e.Sequence));
        Assert.NotNull(second.ContinuationToken);
        Assert.Equal([1L], third.Entries.Select(e => e.Sequence));
        Assert.Null(third.ContinuationToken);
    }

    [Fact]
    public async Task AppendHistory_SameSequenceTwice_KeepsOneRowWithTheLastWrite()
    {
        var store = azurite.CreateStore(_prefix);
        await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 1), default);
        await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 2, message: "first attempt"), default);

        await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 2, message: "replayed after a crash"), default);

        var page = await store.GetHistoryAsync(Ns, "podinfo", 10, null, default);
        Assert.Equal([2L, 1], page.Entries.Select(e => e.Sequence));
        Assert.Equal("replayed after a crash", page.Entries[0].Message);
    }

    [Fact]
    public async Task GetHistory_ChecksWithNaNAndOperations_RoundTripExactly()
    {
        var entry = StateSamples.History(Ns, "podinfo", 42);
        await azurite.CreateStore(_prefix).AppendHistoryAsync(entry, default);

        var read = Assert.Single((await azurite.CreateStore(_prefix).GetHistoryAsync(Ns, "podinfo", 5, null, default)).Entries);

        Assert.Equal(StateSamples.Json(entry), StateSamples.Json(read));
        Assert.True(double.IsNaN(read.Checks[2].Value ?? 0));
    }

    [Fact]
    public async Task TryRecordDelivery_SameIdTwice_TrueThenFalse()
    {
        var store = azurite.CreateStore(_prefix);
        var id = Guid.NewGuid().ToString();

        Assert.True(await store.TryRecordDeliveryAsync(id, StateSamples.Now, default));
        Assert.False(await azurite.CreateStore(_prefix).TryRecordDeliveryAsync(id, StateSamples.Now.AddMinutes(5), default));
        Assert.True(await store.TryRecordDeliveryAsync(Guid.NewGuid().ToString(), StateSamples.Now, default));
    }

    [Fact]
    public async Task TryRecordDelivery_TenConcurrentDeliveriesOfOneId_ExactlyOneTrue()
    {
        var stores = Enumerable.Range(0, 3).Select(_ => azurite.CreateStore(_prefix)).ToList();
        var id = Guid.NewGuid().ToString();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => stores[i % 3].TryRecordDeliveryAsync(id, StateSamples.Now, default)));

        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task TryRecordDelivery_IdWithCharactersForbiddenInKeys_StillDedupes()
    {
        var store = azurite.CreateStore(_prefix);

        Assert.True(await store.TryRecordDeliveryAsync("acr/push#1?x=\\y", StateSamples.Now, default));
        Assert.False(await store.TryRecordDeliveryAsync("acr/push#1?x=\\y", StateSamples.Now, default));
        Assert.True(await store.TryRecordDeliveryAsync("acr/push#2?x=\\y", StateSamples.Now, default));
    }

    [Fact]
    public async Task PruneExpired_OldAndRecentRows_DeletesOnlyOldHistoryAndDeliveries()
    {
        var store = azurite.CreateStore(_prefix);
        var now = StateSamples.Now;
        var old = now - TimeSpan.FromDays(15);
        await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 125), default);
        await Parallel.ForEachAsync(Enumerable.Range(1, 125), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", i, i <= 120 ? old.AddSeconds(i) : now.AddDays(-13)), ct));
        await store.AppendHistoryAsync(StateSamples.History(Ns, "frontend", 1, old), default);
        await store.AppendHistoryAsync(StateSamples.History(Ns, "frontend", 2, now), default);
        foreach (var i in Enumerable.Range(0, 5))
        {
            await store.TryRecordDeliveryAsync($"old-{i}", now - TimeSpan.FromDays(3), default);
            await store.TryRecordDeliveryAsync($"new-{i}", now - TimeSpan.FromDays(1), default);
        }

        await store.PruneExpiredAsync(now, default);

        var podinfo = await store.GetHistoryAsync(Ns, "podinfo", 1000, null, default);
        Assert.Equal([125L, 124, 123, 122, 121], podinfo.Entries.Select(e => e.Sequence));
        Assert.Equal([2L], (await store.GetHistoryAsync(Ns, "frontend", 10, null, default)).Entries.Select(e => e.Sequence));
        foreach (var i in Enumerable.Range(0, 5))
        {
            Assert.True(await store.TryRecordDeliveryAsync($"old-{i}", now, default), $"old-{i} was not pruned");
            Assert.False(await store.TryRecordDeliveryAsync($"new-{i}", now, default), $"new-{i} was pruned");
        }

        Assert.Equal(125, (await store.GetCheckpointAsync(Ns, "podinfo", default))?.Sequence);
    }

    [Fact]
    public async Task SaveCheckpointAndAppendHistory_SteadyStateTick_CostTwoStorageTransactions()
    {
        var counter = new RequestCounter();
        var store = azurite.CreateStore(_prefix, counter);
        await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 1), default);
        await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 1), default);
        output.WriteLine($"first tick of a new process: {counter.Count} requests: {counter.Describe()}");
        counter.Reset();

        await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 2), default);
        await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 2), default);

        output.WriteLine($"steady-state tick: {counter.Count} requests: {counter.Describe()}");
        Assert.Equal(2, counter.Count);
    }

    private TableClient Table(string name) => azurite.CreateServiceClient().GetTableClient(_prefix + name);
}
