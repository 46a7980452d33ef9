using Flagger.Rollouts.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Triggers;

/// <summary><c>GET /api/metrics</c>: Flagger's metrics in Prometheus text, from the state store.</summary>
public sealed class MetricsFunction(RolloutMetrics metrics)
{
    [Function("Metrics")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "metrics")] HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await metrics.WriteAsync(buffer, cancellationToken);
        return new FileContentResult(buffer.ToArray(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
