using Flagger.Core.Analysis;
using Flagger.Infrastructure.State;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.State;

[Collection(AzuriteCollection.Name)]
public sealed class TableOperationInboxTests(AzuriteFixture fixture)
{
    private static readonly DateTimeOffset s_at = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    private TableOperationInbox Inbox(string prefix) =>
        new(fixture.CreateServiceClient(), Options.Create(new StateStoreOptions { ConnectionString = fixture.Server.ConnectionString, TablePrefix = prefix }));

    private static CanaryOperation Op(CanaryOperationKind kind, string by) => new(kind, by, s_at, kind == CanaryOperationKind.Approve ? "confirm-promotion" : null);

    [Fact]
    public async Task EnqueueAsync_NumbersFromOneInOrder_AndPendingReadsThemBackAcrossInstances()
    {
        var prefix = AzuriteFixture.NewPrefix();

        var numbers = new[]
        {
            await Inbox(prefix).EnqueueAsync("test", "podinfo", Op(CanaryOperationKind.Pause, "alice"), CancellationToken.None),
            await Inbox(prefix).EnqueueAsync("test", "podinfo", Op(CanaryOperationKind.Approve, "bob"), CancellationToken.None),
            await Inbox(prefix).EnqueueAsync("test", "other", Op(CanaryOperationKind.Abort, "carol"), CancellationToken.None),
        };

        Assert.Equal([1L, 2L, 1L], numbers);
        var pending = await Inbox(prefix).PendingAsync("test", "podinfo", 0, CancellationToken.None);
        Assert.Equal([Op(CanaryOperationKind.Pause, "alice"), Op(CanaryOperationKind.Approve, "bob")], pending.Select(p => p.Operation));
        Assert.Equal([2L], (await Inbox(prefix).PendingAsync("test", "podinfo", 1, CancellationToken.None)).Select(p => p.Number));
    }

    [Fact]
    public async Task EnqueueAsync_ManyReplicasAtOnce_LoseNoOperationAndShareNoNumber()
    {
        var prefix = AzuriteFixture.NewPrefix();
        var replicas = Enumerable.Range(0, 3).Select(_ => Inbox(prefix)).ToList();

        var numbers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            replicas[i % replicas.Count].EnqueueAsync("test", "podinfo", Op(CanaryOperationKind.Pause, $"op-{i}"), CancellationToken.None)));

        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), numbers.Order());
        var pending = await Inbox(prefix).PendingAsync("test", "podinfo", 0, CancellationToken.None);
        Assert.Equal(10, pending.Select(p => p.Operation.By).Distinct().Count());
    }

    [Fact]
    public async Task TrimAsync_ForgetsAppliedOperations_AndNumberingCarriesOn()
    {
        var prefix = AzuriteFixture.NewPrefix();
        var inbox = Inbox(prefix);
        for (var i = 0; i < 3; i++)
        {
            await inbox.EnqueueAsync("test", "podinfo", Op(CanaryOperationKind.Pause, $"op-{i}"), CancellationToken.None);
        }

        await inbox.TrimAsync("test", "podinfo", 2, CancellationToken.None);
        await inbox.TrimAsync("test", "podinfo", 2, CancellationToken.None);
        var next = await inbox.EnqueueAsync("test", "podinfo", Op(CanaryOperationKind.Resume, "late"), CancellationToken.None);

        Assert.Equal(4, next);
        Assert.Equal([3L, 4L], (await inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None)).Select(p => p.Number));
    }
}
