using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Webhooks;

/// <summary>Log messages of the webhook adapters. URLs are logged redacted (no userinfo, no query).</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information,
        Message = "Webhook {WebhookName} ({Url}) of canary {CanaryNamespace}/{CanaryName} answered {StatusCode} after {Attempts} attempt(s)")]
    public static partial void WebhookFailed(ILogger logger, string webhookName, string url, string canaryNamespace, string canaryName, int statusCode, int attempts);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information,
        Message = "Webhook {WebhookName} ({Url}) of canary {CanaryNamespace}/{CanaryName} unreachable after {Attempts} attempt(s): {ErrorType}")]
    public static partial void WebhookUnreachable(ILogger logger, string webhookName, string url, string canaryNamespace, string canaryName, int attempts, string errorType);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning,
        Message = "Event webhook {WebhookName} of canary {CanaryNamespace}/{CanaryName} failed: {Reason}")]
    public static partial void EventWebhookFailed(ILogger logger, string webhookName, string canaryNamespace, string canaryName, string reason);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Error,
        Message = "Event webhook {WebhookName} of canary {CanaryNamespace}/{CanaryName} threw")]
    public static partial void EventWebhookThrew(ILogger logger, string webhookName, string canaryNamespace, string canaryName, Exception exception);
}
