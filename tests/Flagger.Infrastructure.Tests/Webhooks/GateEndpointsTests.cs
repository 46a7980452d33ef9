using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Infrastructure.Tests.Webhooks;

public sealed class GateEndpointsTests
{
    private static readonly string s_podinfo = Body("podinfo", "test");

    private readonly GateEndpoints _gates = new(new InMemoryGateStore());

    [Theory]
    [InlineData("GET", GateEndpoints.Open)]
    [InlineData("GET", GateEndpoints.Close)]
    [InlineData("PUT", GateEndpoints.RollbackOpen)]
    [InlineData("HEAD", GateEndpoints.RollbackClose)]
    public async Task HandleAsync_GateChangeByAnythingButPost_Is405AndChangesNothing(string method, string path)
    {
        await _gates.HandleAsync("POST", GateEndpoints.Close, s_podinfo, CancellationToken.None);
        await _gates.HandleAsync("POST", GateEndpoints.RollbackOpen, s_podinfo, CancellationToken.None);
        var before = (await _gates.HandleAsync("GET", GateEndpoints.Check, s_podinfo, CancellationToken.None),
            await _gates.HandleAsync("GET", GateEndpoints.RollbackCheck, s_podinfo, CancellationToken.None));

        var answer = await _gates.HandleAsync(method, path, s_podinfo, CancellationToken.None);

        Assert.Equal(405, answer.StatusCode);
        Assert.Equal(before, (await _gates.HandleAsync("GET", GateEndpoints.Check, s_podinfo, CancellationToken.None),
            await _gates.HandleAsync("GET", GateEndpoints.RollbackCheck, s_podinfo, CancellationToken.None)));
    }

    [Fact]
    public async Task HandleAsync_OpenByPost_ThenCheckByGet_Approves()
    {
        Assert.Equal(202, (await _gates.HandleAsync("POST", GateEndpoints.Open, s_podinfo, CancellationToken.None)).StatusCode);
        Assert.Equal(200, (await _gates.HandleAsync("GET", GateEndpoints.Check, s_podinfo, CancellationToken.None)).StatusCode);
    }

    [Theory]
    [InlineData(GateEndpoints.Approve, 200, "OK")]
    [InlineData(GateEndpoints.Halt, 403, "Forbidden")]
    public async Task HandleAsync_FixedGates_AnswerAlwaysTheSame(string path, int status, string text)
    {
        Assert.Equal(new GateResponse(status, text), await _gates.HandleAsync(path, "", CancellationToken.None));
        Assert.Equal(new GateResponse(status, text), await _gates.HandleAsync(path, s_podinfo, CancellationToken.None));
    }

    [Fact]
    public async Task HandleAsync_CheckUnknownGate_IsForbidden() =>
        Assert.Equal(new GateResponse(403, "Forbidden"), await _gates.HandleAsync(GateEndpoints.Check, s_podinfo, CancellationToken.None));

    [Fact]
    public async Task HandleAsync_OpenThenCheck_IsApprovedUntilClosed()
    {
        Assert.Equal(202, (await _gates.HandleAsync(GateEndpoints.Open, s_podinfo, CancellationToken.None)).StatusCode);
        Assert.Equal(new GateResponse(200, "Approved"), await _gates.HandleAsync(GateEndpoints.Check, s_podinfo, CancellationToken.None));

        Assert.Equal(202, (await _gates.HandleAsync(GateEndpoints.Close, s_podinfo, CancellationToken.None)).StatusCode);
        Assert.Equal(403, (await _gates.HandleAsync(GateEndpoints.Check, s_podinfo, CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task HandleAsync_OpenGate_IsPerCanaryAndNamespace()
    {
        await _gates.HandleAsync(GateEndpoints.Open, s_podinfo, CancellationToken.None);

        Assert.Equal(403, (await _gates.HandleAsync(GateEndpoints.Check, Body("podinfo", "other"), CancellationToken.None)).StatusCode);
        Assert.Equal(403, (await _gates.HandleAsync(GateEndpoints.Check, Body("frontend", "test"), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task HandleAsync_RollbackGate_IsSeparateFromConfirmGate()
    {
        await _gates.HandleAsync(GateEndpoints.Open, s_podinfo, CancellationToken.None);
        Assert.Equal(403, (await _gates.HandleAsync(GateEndpoints.RollbackCheck, s_podinfo, CancellationToken.None)).StatusCode);

        Assert.Equal(202, (await _gates.HandleAsync(GateEndpoints.RollbackOpen, s_podinfo, CancellationToken.None)).StatusCode);
        Assert.Equal(200, (await _gates.HandleAsync(GateEndpoints.RollbackCheck, s_podinfo, CancellationToken.None)).StatusCode);

        Assert.Equal(202, (await _gates.HandleAsync(GateEndpoints.RollbackClose, s_podinfo, CancellationToken.None)).StatusCode);
        Assert.Equal(403, (await _gates.HandleAsync(GateEndpoints.RollbackCheck, s_podinfo, CancellationToken.None)).StatusCode);
        Assert.Equal(200, (await _gates.HandleAsync(GateEndpoints.Check, s_podinfo, CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task OpenAsync_Keys_AreTheLoadtesterNames()
    {
        var store = new InMemoryGateStore();
        var gates = new GateEndpoints(store);
        var payload = new WebhookPayload("podinfo", "test", "Progressing", "", null);

        await gates.OpenAsync(payload, CancellationToken.None);
        await gates.OpenRollbackAsync(payload, CancellationToken.None);

        Assert.True(await store.IsOpenAsync("podinfo.test", CancellationToken.None));
        Assert.True(await store.IsOpenAsync("rollback.podinfo.test", CancellationToken.None));
    }

    [Theory]
    [InlineData(GateEndpoints.Check, "{not json")]
    [InlineData(GateEndpoints.Open, "")]
    [InlineData(GateEndpoints.Close, "[1,2]")]
    [InlineData(GateEndpoints.RollbackCheck, "{\"namespace\":\"test\"}")]
    [InlineData(GateEndpoints.RollbackOpen, "{\"name\":\"podinfo\"}")]
    [InlineData(GateEndpoints.RollbackClose, "null")]
    public async Task HandleAsync_UnreadablePayload_IsBadRequest(string path, string body) =>
        Assert.Equal(400, (await _gates.HandleAsync(path, body, CancellationToken.None)).StatusCode);

    [Theory]
    [InlineData(GateEndpoints.Open, "podinfo", "Test")]
    [InlineData(GateEndpoints.Close, "pod_info", "test")]
    [InlineData(GateEndpoints.Check, "podinfo", "test.prod")]
    [InlineData(GateEndpoints.RollbackOpen, "podinfo/x", "test")]
    public async Task HandleAsync_NamesThatAreNotKubernetesNames_AreBadRequestAndOpenNothing(string path, string name, string @namespace)
    {
        var response = await new GateEndpoints(new UnreachableGateStore()).HandleAsync(path, Body(name, @namespace), CancellationToken.None);

        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("invalid ", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_UnknownPath_IsNotFound() =>
        Assert.Equal(404, (await _gates.HandleAsync("/gate/maybe", s_podinfo, CancellationToken.None)).StatusCode);

    [Fact]
    public async Task HandleAsync_PayloadFromWebhookClient_IsUnderstood()
    {
        // The gate reads what our own client posts, phase, checksum and metadata included.
        var posted = JsonSerializer.Serialize(new WebhookPayload("podinfo", "test", "Progressing", "abc", new Dictionary<string, string> { ["k"] = "v" }));
        await _gates.HandleAsync(GateEndpoints.Open, posted, CancellationToken.None);

        Assert.Equal(200, (await _gates.HandleAsync(GateEndpoints.Check, posted, CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task AddWebhooks_Registers_GateEndpointsOverOneStore()
    {
        await using var services = TestServices.Build();
        var endpoints = services.GetRequiredService<GateEndpoints>();

        await endpoints.HandleAsync(GateEndpoints.Open, s_podinfo, CancellationToken.None);

        Assert.True(await services.GetRequiredService<IGateStore>().IsOpenAsync(GateKey.Confirm("podinfo", "test"), CancellationToken.None));
    }

    private static string Body(string name, string @namespace) =>
        JsonSerializer.Serialize(new { name, @namespace, phase = "Progressing", checksum = "x" });

    /// <summary>Fails the test on any call: the input checks must answer first.</summary>
    private sealed class UnreachableGateStore : IGateStore
    {
        public Task<bool> IsOpenAsync(string key, CancellationToken cancellationToken) => throw new InvalidOperationException("gate store called");

        public Task OpenAsync(string key, CancellationToken cancellationToken) => throw new InvalidOperationException("gate store called");

        public Task CloseAsync(string key, CancellationToken cancellationToken) => throw new InvalidOperationException("gate store called");
    }
}
