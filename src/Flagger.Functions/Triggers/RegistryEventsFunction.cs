using Flagger.Rollouts.Api;
using Flagger.Rollouts;
using Flagger.Infrastructure.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Functions.Triggers;

/// <summary><c>POST /api/registry/events</c>: the Event Grid webhook of the container registry (both schemas, with their handshakes).</summary>
public sealed class RegistryEventsFunction(IServiceProvider services)
{
    [Function("RegistryEvents")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", "options", Route = "registry/events")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var webhook = ActivatorUtilities.CreateInstance<RegistryWebhook>(services, new DurableRolloutScheduler(client));
        return HttpAnswer.From(await webhook.HandleAsync(await HttpBridge.ToRegistryRequestAsync(request, cancellationToken), cancellationToken));
    }
}
