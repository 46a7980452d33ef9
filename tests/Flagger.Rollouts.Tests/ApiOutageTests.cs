using Flagger.Core.Analysis;
using Flagger.Core.Ports;
using Flagger.Infrastructure.State;
using Flagger.Infrastructure.Webhooks.Gates;
using Flagger.Rollouts.Api;
using Flagger.Testing.Canaries;
using Grpc.Core;
using Moq;

namespace Flagger.Rollouts.Tests;

/// <summary>The API's handlers, run as both hosts run them (<see cref="ApiOutage"/>), while a backend is down.</summary>
public sealed class ApiOutageTests
{
    private static readonly StateStoreUnavailableException s_tableDown =
        new("Table Storage is unavailable: could not read checkpoint test/podinfo.", new HttpRequestException("Connection refused"));

    [Fact]
    public async Task Handlers_StateStoreDown_Are503WithRetryAfterAndAJsonError()
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        await world.InitializedAsync();
        var store = new Mock<IRolloutStore>();
        store.Setup(s => s.ListCheckpointsAsync(It.IsAny<CancellationToken>())).ThrowsAsync(s_tableDown);
        store.Setup(s => s.GetCheckpointAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(s_tableDown);
        store.Setup(s => s.GetHistoryAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<int>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ThrowsAsync(s_tableDown);
        var api = new CanaryApi(world, store.Object, new Testing.Registry.InMemoryOperationInbox(), new InMemoryGateStore(), TimeProvider.System);

        var results = new[]
        {
            await ApiOutage.RunAsync(() => api.ListAsync(CancellationToken.None), CancellationToken.None),
            await ApiOutage.RunAsync(() => api.GetAsync("test", "podinfo", CancellationToken.None), CancellationToken.None),
            await ApiOutage.RunAsync(() => api.HistoryAsync("test", "podinfo", null, null, CancellationToken.None), CancellationToken.None),
        };

        foreach (var result in results)
        {
            Assert.Equal(503, result.Status);
            Assert.Equal(ApiOutage.RetryAfter, result.RetryAfter);
            Assert.StartsWith("the state store (Table Storage) is unavailable", ((ApiError)result.Body!).Error, StringComparison.Ordinal);
            var answer = HttpAnswer.From(result);
            Assert.Equal("10", answer.Headers["Retry-After"]);
            Assert.StartsWith("application/json", answer.ContentType, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"the state store (Table Storage) is unavailable", answer.Body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded)]
    public async Task OperateAsync_DurableClientDown_Is503WithRetryAfter(StatusCode code)
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        await world.InitializedAsync();
        world.UpdateTarget("podinfo:2.0.0");
        await world.TicksAsync(2);
        var scheduler = new Mock<IRolloutScheduler>();
        scheduler.Setup(s => s.StartOrSignalAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<RolloutSignal>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RpcException(new Status(code, "failed to connect to all addresses")));
        var api = new CanaryApi(world, new Testing.Registry.InMemoryRolloutStore(), new Testing.Registry.InMemoryOperationInbox(), new InMemoryGateStore(), TimeProvider.System);

        var result = await ApiOutage.RunAsync(
            () => api.OperateAsync("test", "podinfo", "abort", null, "ops", scheduler.Object, CancellationToken.None), CancellationToken.None);

        Assert.Equal(503, result.Status);
        Assert.Equal("10", HttpAnswer.From(result).Headers["Retry-After"]);
        Assert.StartsWith("the durable task backend is unavailable", ((ApiError)result.Body!).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunGateAsync_GateStoreDown_Is503JsonWithRetryAfter()
    {
        var gates = new Mock<IGateStore>();
        gates.Setup(g => g.OpenAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new StateStoreUnavailableException("Table Storage is unavailable: could not use gate podinfo.test.", null));
        var endpoints = new GateEndpoints(gates.Object);

        var answer = await ApiOutage.RunGateAsync(
            () => endpoints.HandleAsync(GateEndpoints.Open, """{"name":"podinfo","namespace":"test"}""", CancellationToken.None), CancellationToken.None);

        Assert.Equal(503, answer.Status);
        Assert.Equal("10", answer.Headers["Retry-After"]);
        Assert.Contains("\"error\":", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OtherFailures_AreNotTurnedInto503()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ApiOutage.RunAsync(() => throw new InvalidOperationException("a bug"), CancellationToken.None));
        await Assert.ThrowsAsync<RpcException>(() =>
            ApiOutage.RunAsync(() => throw new RpcException(new Status(StatusCode.InvalidArgument, "bad input")), CancellationToken.None));
    }

    [Fact]
    public void Unavailable_WrappedOutage_IsStillAnOutage() =>
        Assert.NotNull(ApiOutage.Unavailable(new AggregateException(new InvalidOperationException("wrapper", s_tableDown)), CancellationToken.None));

    [Fact]
    public async Task RunAsync_Healthy_PassesTheAnswerThroughWithoutRetryAfter()
    {
        var result = await ApiOutage.RunAsync(() => Task.FromResult(new ApiResult(200, "ok")), CancellationToken.None);

        Assert.Equal((200, (TimeSpan?)null), (result.Status, result.RetryAfter));
        Assert.False(HttpAnswer.From(result).Headers.ContainsKey("Retry-After"));
    }
}
