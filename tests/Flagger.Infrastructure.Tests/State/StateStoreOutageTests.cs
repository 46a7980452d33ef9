using System.Diagnostics;
using Azure.Data.Tables;
using Flagger.Core.Analysis;
using Flagger.Infrastructure.State;
using Flagger.Testing.Azurite;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.State;

/// <summary>Its own Azurite, stopped and restarted mid-test; the shared one keeps serving the other tests.</summary>
public sealed class StateStoreOutageTests(ITestOutputHelper output)
{
    private const string Ns = "test";

    [Fact]
    public async Task SaveCheckpoint_AzuriteStopped_ThrowsUnavailableAndLastStateIsIntactAfterRestart()
    {
        await using var server = await AzuriteServer.StartAsync();
        var prefix = AzuriteFixture.NewPrefix();
        var store = AzuriteFixture.CreateStore(server, prefix);
        var before = StateSamples.Checkpoint(Ns, "podinfo", 1, StateSamples.Status(trackedConfigs: 3000));
        Assert.True(await store.SaveCheckpointAsync(before, default));
        await store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 1), default);
        Assert.True(await store.TryRecordDeliveryAsync("event-1", StateSamples.Now, default));

        var clock = Stopwatch.StartNew();
        await server.StopAsync();
        output.WriteLine($"stopped after {clock.ElapsedMilliseconds} ms");

        var save = await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 2), default));
        Assert.Contains("podinfo", save.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.AppendHistoryAsync(StateSamples.History(Ns, "podinfo", 2), default));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.TryRecordDeliveryAsync("event-2", StateSamples.Now, default));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => store.GetCheckpointAsync(Ns, "podinfo", default));

        output.WriteLine($"four calls failed by {clock.ElapsedMilliseconds} ms");
        await server.RestartAsync();
        output.WriteLine($"restarted by {clock.ElapsedMilliseconds} ms");

        var reader = AzuriteFixture.CreateStore(server, prefix);
        Assert.Equal(StateSamples.Json(before), StateSamples.Json(await reader.GetCheckpointAsync(Ns, "podinfo", default)));
        Assert.Equal([1L], (await reader.GetHistoryAsync(Ns, "podinfo", 10, null, default)).Entries.Select(e => e.Sequence));
        Assert.False(await reader.TryRecordDeliveryAsync("event-1", StateSamples.Now, default));
        Assert.True(await store.TryRecordDeliveryAsync("event-2", StateSamples.Now, default));
        Assert.True(await store.SaveCheckpointAsync(StateSamples.Checkpoint(Ns, "podinfo", 2), default));
        Assert.Equal(2, (await reader.GetCheckpointAsync(Ns, "podinfo", default))?.Sequence);
    }

    [Fact]
    public async Task InboxAndGates_FirstUsedWhileAzuriteIsDown_WorkOnceItIsBack()
    {
        await using var server = await AzuriteServer.StartAsync();
        var options = Options.Create(new StateStoreOptions { ConnectionString = server.ConnectionString, TablePrefix = AzuriteFixture.NewPrefix() });
        var service = new TableServiceClient(server.ConnectionString);
        var inbox = new TableOperationInbox(service, options);
        var gates = new TableGateStore(service, options);
        var pause = new CanaryOperation(CanaryOperationKind.Pause, "alice", StateSamples.Now, null);
        await server.StopAsync();

        // Their first call is the one that creates the table: it fails with the outage, and must not for ever.
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => inbox.EnqueueAsync(Ns, "podinfo", pause, default));
        await Assert.ThrowsAsync<StateStoreUnavailableException>(() => gates.OpenAsync("podinfo.test", default));
        await server.RestartAsync();

        Assert.Equal(1, await inbox.EnqueueAsync(Ns, "podinfo", pause, default));
        await gates.OpenAsync("podinfo.test", default);
        Assert.True(await gates.IsOpenAsync("podinfo.test", default));
    }
}
