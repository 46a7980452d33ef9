using Flagger.Core.Analysis;
using Flagger.Infrastructure.State;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.State;

/// <summary>The checkpoint and the operation inbox of a canary share its rows of the Canaries table: a tick reads both in one query.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableTickStateTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Ns = "test";

    // Names that sort right next to "web" (a prefix, one character after it, one before it, a longer one).
    private static readonly string[] s_neighbours = ["we", "web-2", "web.a", "web0", "webz", "webweb"];

    private readonly string _prefix = AzuriteFixture.NewPrefix();

    private TableOperationInbox Inbox() =>
        new(azurite.CreateServiceClient(), Options.Create(new StateStoreOptions { ConnectionString = azurite.Server.ConnectionString, TablePrefix = _prefix }));

    /// <summary>A store of a new process past its first call (which creates the tables), counting from now.</summary>
    private async Task<(TableRolloutStore Store, RequestCounter Counter)> WarmStoreAsync()
    {
        var counter = new RequestCounter();
        var store = azurite.CreateStore(_prefix, counter);
        await store.ReadAsync(Ns, "unrelated", default);
        counter.Reset();
        return (store, counter);
    }

    private static CanaryOperation Op(string by) => new(CanaryOperationKind.Pause, by, StateSamples.Now, null);

    [Fact]
    public async Task ReadAsync_IsOneRequest_WithTheCanarysCheckpointAndHeldOperations_AndNoNeighboursRows()
    {
        var inbox = Inbox();
        foreach (var name in s_neighbours.Append("web"))
        {
            await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, name, 4) with { AppliedOperations = 1 }, default);
            await inbox.EnqueueAsync(Ns, name, Op($"{name}-1"), default);
            await inbox.EnqueueAsync(Ns, name, Op($"{name}-2"), default);
        }

        var (store, counter) = await WarmStoreAsync();

        var state = await store.ReadAsync(Ns, "web", default);

        output.WriteLine(counter.Describe());
        Assert.Equal(1, counter.Count);
        Assert.Equal(("web", 4L), (state.Checkpoint?.Name, state.Checkpoint?.Sequence));
        Assert.Equal(["web-1", "web-2"], state.Held.Select(h => h.Operation.By));
        Assert.Equal([2L], state.Pending.Select(p => p.Number));
        Assert.True(state.HoldsApplied);
    }

    [Fact]
    public async Task ABeginAfterTheRead_IsOneMoreRequest_ForTheReadRemembersTheCheckpointsVersion()
    {
        await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "web", 4), default);
        await Inbox().EnqueueAsync(Ns, "web", Op("alice"), default);
        var (store, counter) = await WarmStoreAsync();

        var state = await store.ReadAsync(Ns, "web", default);
        var begun = await store.SaveCheckpointAsync(state.Checkpoint! with { Sequence = 5, Reserved = true }, default);

        Assert.True(begun);
        Assert.Equal(2, counter.Count);
    }

    [Fact]
    public async Task ATickCarryingStats_ReadBeginCommit_IsThreeRequests_AndTheCommittedStatsAreReadBack()
    {
        await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "web", 3) with { Stats = StateSamples.Stats() }, default);
        var (store, counter) = await WarmStoreAsync();

        var state = await store.ReadAsync(Ns, "web", default);
        var stats = state.Checkpoint!.Stats;
        var counted = stats with { Durations = stats.Durations.Observe(0.3) };
        Assert.True(await store.SaveCheckpointAsync(state.Checkpoint with { Sequence = 4, Reserved = true }, default));
        Assert.True(await store.SaveCheckpointAsync(state.Checkpoint with { Sequence = 4, Reserved = false, Stats = counted }, default));

        output.WriteLine(counter.Describe());
        Assert.Equal(3, counter.Count);
        var read = await azurite.CreateStore(_prefix).ReadAsync(Ns, "web", default);
        Assert.Equal(6, read.Checkpoint!.Stats.Durations.Count);
        Assert.Equal(StateSamples.Json(counted), StateSamples.Json(read.Checkpoint.Stats));
    }

    [Fact]
    public async Task ReadAsync_CanaryWithOnlyOperations_HasNoCheckpoint_AndAllPending()
    {
        await Inbox().EnqueueAsync(Ns, "web", Op("alice"), default);
        await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "web-2", 1), default);

        var state = await azurite.CreateStore(_prefix).ReadAsync(Ns, "web", default);

        Assert.Null(state.Checkpoint);
        Assert.Equal(["alice"], state.Pending.Select(p => p.Operation.By));
    }

    [Fact]
    public async Task ListCheckpoints_SkipsTheInboxRows_BesideThem()
    {
        var inbox = Inbox();
        foreach (var name in s_neighbours)
        {
            await azurite.CreateStore(_prefix).SaveCheckpointAsync(StateSamples.Checkpoint(Ns, name, 2), default);
            await inbox.EnqueueAsync(Ns, name, Op(name), default);
        }

        await inbox.EnqueueAsync(Ns, "deleted", Op("nobody"), default);

        var listed = await azurite.CreateStore(_prefix).ListCheckpointsAsync(default);

        Assert.Equal(s_neighbours.Order(StringComparer.Ordinal), listed.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TrimAsync_OfOneCanary_LeavesItsNeighboursOperations()
    {
        var inbox = Inbox();
        foreach (var name in s_neighbours.Append("web"))
        {
            await inbox.EnqueueAsync(Ns, name, Op(name), default);
        }

        await inbox.TrimAsync(Ns, "web", long.MaxValue, default);

        Assert.Empty(await inbox.PendingAsync(Ns, "web", 0, default));
        foreach (var name in s_neighbours)
        {
            Assert.Equal([name], (await inbox.PendingAsync(Ns, name, 0, default)).Select(p => p.Operation.By));
        }
    }
}
