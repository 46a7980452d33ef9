using Flagger.Rollouts.Api;
using Flagger.Rollouts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Flagger.Functions.Triggers;

/// <summary><c>/api/canaries/...</c>: list, status, history, events and operations (function key).</summary>
public sealed class CanaryApiFunctions(CanaryApi api)
{
    [Function("ListCanaries")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "canaries")] HttpRequest request, CancellationToken cancellationToken) =>
        HttpAnswer.From(await ApiOutage.RunAsync(() => api.ListAsync(cancellationToken), cancellationToken));

    [Function("GetCanary")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "canaries/{namespace}/{name}")] HttpRequest request,
        string @namespace, string name, CancellationToken cancellationToken) =>
        HttpAnswer.From(await ApiOutage.RunAsync(() => api.GetAsync(@namespace, name, cancellationToken), cancellationToken));

    [Function("CanaryHistory")]
    public async Task<IActionResult> HistoryAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "canaries/{namespace}/{name}/history")] HttpRequest request,
        string @namespace, string name, CancellationToken cancellationToken)
    {
        int? pageSize = int.TryParse(request.Query["pageSize"], out var size) ? size : null;
        string? continuationToken = request.Query["continuationToken"];
        return HttpAnswer.From(await ApiOutage.RunAsync(() => api.HistoryAsync(@namespace, name, pageSize, continuationToken, cancellationToken), cancellationToken));
    }

    [Function("CanaryEvents")]
    public async Task<IActionResult> EventsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "canaries/{namespace}/{name}/events")] HttpRequest request,
        string @namespace, string name, CancellationToken cancellationToken) =>
        HttpAnswer.From(await ApiOutage.RunAsync(() => api.EventsAsync(@namespace, name, cancellationToken), cancellationToken));

    [Function("OperateCanary")]
    public async Task<IActionResult> OperateAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "canaries/{namespace}/{name}/{operation}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string @namespace, string name, string operation, CancellationToken cancellationToken)
    {
        string? gate = request.Query["gate"];
        var result = await ApiOutage.RunAsync(
            () => api.OperateAsync(@namespace, name, operation, gate, HttpBridge.Caller(request), new DurableRolloutScheduler(client), cancellationToken),
            cancellationToken);
        return HttpAnswer.From(result);
    }
}
