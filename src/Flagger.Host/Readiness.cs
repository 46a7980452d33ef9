using Azure;
using Azure.Data.Tables;
using DurableTask.AzureStorage;
using Flagger.Infrastructure.State;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Flagger.Host;

/// <summary>
/// <c>/readyz</c>: ready when the state tables (<c>StateStore</c>) and the durable backend's task hub storage
/// (its Instances table, on the account the sidecar uses: <c>Host__DurableConnectionString</c>, <c>Host__DurableAccountName</c> or the state store's) both answer a
/// one-row query; 503 otherwise, naming what is down and why. One attempt each, no retries, a short timeout (past
/// it the health check service answers "A timeout occurred while running check."): a probe must answer fast. <c>/healthz</c> (liveness) stays a constant answer that touches nothing.
/// </summary>
public static class Readiness
{
    public const string Path = "/readyz";
    public const string StateStore = "stateStore";
    public const string TaskHub = "durableTaskHub";

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);

    public static IServiceCollection AddReadiness(this IServiceCollection services, StorageAccountClientProvider durableStorage, string taskHubName)
    {
        services.AddHealthChecks()
            .Add(new HealthCheckRegistration(
                StateStore,
                provider => new TableCheck(
                    "Table Storage (state)",
                    () => Probe(TableStateServiceCollectionExtensions.CreateServiceClient(provider.GetRequiredService<IOptions<StateStoreOptions>>().Value, ProbeOptions()))),
                HealthStatus.Unhealthy, tags: null, s_timeout))
            .Add(new HealthCheckRegistration(
                TaskHub,
                _ => new TableCheck(
                    $"Durable task hub storage ({taskHubName})",
                    () => durableStorage.Table.CreateClient(ProbeOptions()).GetTableClient(taskHubName + "Instances")),
                HealthStatus.Unhealthy, tags: null, s_timeout));
        return services;
    }

    /// <summary>A plain GET endpoint over the health checks (rather than MapHealthChecks), so the OpenAPI document has it.</summary>
    public static WebApplication MapReadiness(this WebApplication app)
    {
        app.MapGet(Path, async (HealthCheckService health, HttpResponse response, CancellationToken cancellationToken) =>
        {
            var report = await health.CheckHealthAsync(cancellationToken);
            var ready = report.Status == HealthStatus.Healthy;
            if (!ready)
            {
                response.Headers.RetryAfter = "5";
            }

            return Results.Json(
                new ReadinessAnswer(ready ? "ready" : "unavailable", report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "ok" : e.Value.Description ?? "down")),
                ReadinessJson.Default.ReadinessAnswer,
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }

    /// <summary>A one-row query of the first table there is: the account answers, with our credentials.</summary>
    private static TableClient Probe(TableServiceClient service) => service.GetTableClient(ProbeTable);

    /// <summary>Any name: a missing table answers 404, which still proves the account answers.</summary>
    private const string ProbeTable = "Canaries";

    private static TableClientOptions ProbeOptions() => new() { Retry = { MaxRetries = 0, NetworkTimeout = s_timeout } };

    private sealed class TableCheck(string what, Func<TableClient> table) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await foreach (var _ in table().QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
                {
                    break;
                }

                return HealthCheckResult.Healthy();
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // The account answered: the table is made on first use.
                return HealthCheckResult.Healthy();
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
            {
                return HealthCheckResult.Unhealthy($"{what} is down: {Reason(e)}");
            }
        }

        /// <summary>The status and error code, or the first line of the connection failure (no keys or SAS in either).</summary>
        private static string Reason(Exception e) => e switch
        {
            RequestFailedException { Status: > 0 } failed => $"{failed.Status} {failed.ErrorCode}".TrimEnd(),
            _ => $"{e.GetType().Name}: {FirstLine(e.InnerException?.Message ?? e.Message)}",
        };

        private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
    }
}

/// <param name="Status"><c>ready</c> or <c>unavailable</c>.</param>
/// <param name="Checks">Each dependency: <c>ok</c>, or what is down and why.</param>
public sealed record ReadinessAnswer(string Status, IReadOnlyDictionary<string, string> Checks);

[System.Text.Json.Serialization.JsonSerializable(typeof(ReadinessAnswer))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class ReadinessJson : System.Text.Json.Serialization.JsonSerializerContext;
