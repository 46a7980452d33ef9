using Flagger.Core.Ports;
using Flagger.Infrastructure.State;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.State;

[Collection(AzuriteCollection.Name)]
public sealed class TableGateStoreTests(AzuriteFixture fixture)
{
    private TableGateStore Store(string prefix) =>
        new(fixture.CreateServiceClient(), Options.Create(new StateStoreOptions { ConnectionString = fixture.Server.ConnectionString, TablePrefix = prefix }));

    [Fact]
    public async Task Gates_NeverOpened_AreClosed_ThenOpenAndCloseAcrossStoreInstances()
    {
        var prefix = AzuriteFixture.NewPrefix();
        var key = GateKey.Confirm("podinfo", "test");

        Assert.False(await Store(prefix).IsOpenAsync(key, CancellationToken.None));
        await Store(prefix).OpenAsync(key, CancellationToken.None);
        Assert.True(await Store(prefix).IsOpenAsync(key, CancellationToken.None));
        Assert.False(await Store(prefix).IsOpenAsync(GateKey.Rollback("podinfo", "test"), CancellationToken.None));
        await Store(prefix).CloseAsync(key, CancellationToken.None);
        Assert.False(await Store(prefix).IsOpenAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task GateEndpoints_OverTheTableStore_OpenThenCheckApproves()
    {
        var endpoints = new GateEndpoints(Store(AzuriteFixture.NewPrefix()));
        const string Payload = """{"name":"podinfo","namespace":"test","phase":"Progressing"}""";

        var closed = await endpoints.HandleAsync(GateEndpoints.Check, Payload, CancellationToken.None);
        await endpoints.HandleAsync(GateEndpoints.Open, Payload, CancellationToken.None);
        var open = await endpoints.HandleAsync(GateEndpoints.Check, Payload, CancellationToken.None);

        Assert.Equal((403, 200), (closed.StatusCode, open.StatusCode));
    }
}
