using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Flagger.Rollouts;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;

namespace Flagger.Functions;

/// <summary>
/// The worker's traces and metrics (<see cref="FlaggerOpenTelemetry"/>, with the Functions worker's own
/// invocation spans and resource) to Application Insights through the Azure Monitor exporter, only when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (<c>infra/main.bicep</c> sets it). Its Application Insights
/// takes Entra-authenticated ingestion only (local auth disabled): with
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> = <c>Authorization=AAD;ClientId=...</c>, as the Bicep sets it,
/// the exporter signs in with that user-assigned managed identity. <c>host.json</c>'s <c>telemetryMode</c>
/// <c>OpenTelemetry</c> makes the Functions host emit its own telemetry the same way.
/// </summary>
public static class FunctionTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static FunctionsApplicationBuilder AddAzureMonitorWhenConfigured(this FunctionsApplicationBuilder builder)
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }

        var clientId = EntraClientId(builder.Configuration[AuthenticationSetting]);
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddFlaggerTracing())
            .WithMetrics(metrics => metrics.AddFlaggerMetrics())
            .UseAzureMonitorExporter(exporter =>
            {
                exporter.ConnectionString = connectionString;
                if (clientId is not null)
                {
                    exporter.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
                }
            });
        return builder;
    }

    /// <summary>The managed identity's client id of <c>Authorization=AAD;ClientId=...</c>; null when the string asks for no Entra sign-in.</summary>
    internal static string? EntraClientId(string? authentication)
    {
        var parts = (authentication ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var authorization) && authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            && parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? clientId
            : null;
    }
}
