using Flagger.Rollouts.Api;
using Flagger.Rollouts;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Flagger.Host;

/// <summary>The Function App's HTTP routes, mapped to the same handlers, behind an API key instead of function keys.</summary>
public static class HostEndpoints
{
    public const string ApiKeyHeader = "x-functions-key";

    /// <summary>Every route Flagger.Host serves: the API, <c>/readyz</c> and the OpenAPI document.</summary>
    public static WebApplication MapFlaggerHostRoutes(this WebApplication app) =>
        app.MapFlaggerApi().MapReadiness().MapFlaggerOpenApi();

    public static WebApplication MapFlaggerApi(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        var api = app.MapGroup("/api").AddEndpointFilter(RequireApiKey);

        api.MapMethods("/registry/events", ["POST", "OPTIONS"], async (HttpRequest request, [FromServices] RegistryWebhook webhook, CancellationToken cancellationToken) =>
            HttpAnswer.From(await webhook.HandleAsync(await HttpBridge.ToRegistryRequestAsync(request, cancellationToken), cancellationToken)));

        api.MapGet("/" + Rollouts.Dashboard.DashboardPage.Route, () => Rollouts.Dashboard.DashboardPage.Instance);
        api.MapGet("/canaries", async ([FromServices] CanaryApi canaries, CancellationToken cancellationToken) =>
            HttpAnswer.From(await ApiOutage.RunAsync(() => canaries.ListAsync(cancellationToken), cancellationToken)));
        api.MapGet("/canaries/{namespace}/{name}", async (string @namespace, string name, [FromServices] CanaryApi canaries, CancellationToken cancellationToken) =>
            HttpAnswer.From(await ApiOutage.RunAsync(() => canaries.GetAsync(@namespace, name, cancellationToken), cancellationToken)));
        api.MapGet("/canaries/{namespace}/{name}/history", async (string @namespace, string name, int? pageSize, string? continuationToken, [FromServices] CanaryApi canaries, CancellationToken cancellationToken) =>
            HttpAnswer.From(await ApiOutage.RunAsync(() => canaries.HistoryAsync(@namespace, name, pageSize, continuationToken, cancellationToken), cancellationToken)));
        api.MapGet("/canaries/{namespace}/{name}/events", async (string @namespace, string name, [FromServices] CanaryApi canaries, CancellationToken cancellationToken) =>
            HttpAnswer.From(await ApiOutage.RunAsync(() => canaries.EventsAsync(@namespace, name, cancellationToken), cancellationToken)));
        api.MapPost("/canaries/{namespace}/{name}/{operation}", async (
            string @namespace, string name, string operation, string? gate, HttpRequest request, [FromServices] CanaryApi canaries, [FromServices] Core.Ports.IRolloutScheduler scheduler, CancellationToken cancellationToken) =>
            HttpAnswer.From(await ApiOutage.RunAsync(
                () => canaries.OperateAsync(@namespace, name, operation, gate, HttpBridge.Caller(request), scheduler, cancellationToken), cancellationToken)));

        api.MapMethods("/gates/{**action}", ["GET", "POST"], async (string action, HttpRequest request, [FromServices] GateEndpoints gates, CancellationToken cancellationToken) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(cancellationToken);
            return await ApiOutage.RunGateAsync(() => gates.HandleAsync(request.Method, GateEndpoints.PathFor(action), body, cancellationToken), cancellationToken);
        });

        api.MapGet("/metrics", async (HttpResponse response, [FromServices] RolloutMetrics metrics, CancellationToken cancellationToken) =>
        {
            response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(response.Body, cancellationToken);
        });
        return app;
    }

    private static async ValueTask<object?> RequireApiKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<FlaggerHostOptions>>().Value.ApiKey;
        if (!string.IsNullOrEmpty(expected))
        {
            var request = context.HttpContext.Request;
            var given = request.Headers[ApiKeyHeader].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
            if (!ApiKeyPolicy.Matches(given, expected))
            {
                return Results.Unauthorized();
            }
        }

        return await next(context);
    }
}
