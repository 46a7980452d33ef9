using Flagger.Rollouts.Api;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Triggers;

/// <summary>
/// <c>/api/gates/...</c>: the flagger-loadtester's gate endpoints, built in, so confirm-* and rollback hooks
/// need no load tester (<c>/api/gates/check</c>, <c>/api/gates/open</c>, <c>/api/gates/rollback/check</c>, ...).
/// </summary>
public sealed class GateFunctions(GateEndpoints gates)
{
    [Function("Gates")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "gates/{*action}")] HttpRequest request,
        string action, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        return await ApiOutage.RunGateAsync(() => gates.HandleAsync(request.Method, GateEndpoints.PathFor(action), body, cancellationToken), cancellationToken);
    }
}
