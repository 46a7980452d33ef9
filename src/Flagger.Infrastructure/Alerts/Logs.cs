using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Alerts;

/// <summary>Log messages of the notifier. Addresses are logged as scheme and host only: chat URLs embed their secret.</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning,
        Message = "AlertProvider {ProviderNamespace}/{ProviderName} of alert {AlertName} (canary {CanaryNamespace}/{CanaryName}) not found; alert not sent")]
    public static partial void ProviderNotFound(ILogger logger, string providerNamespace, string providerName, string alertName, string canaryNamespace, string canaryName);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning,
        Message = "Secret {SecretNamespace}/{SecretName} of AlertProvider {ProviderName} not found; alert not sent")]
    public static partial void SecretNotFound(ILogger logger, string secretNamespace, string secretName, string providerName);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning,
        Message = "AlertProvider {ProviderNamespace}/{ProviderName} has no usable http(s) address in spec.address or its secret's 'address' key; alert not sent")]
    public static partial void NoAddress(ILogger logger, string providerNamespace, string providerName);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning,
        Message = "AlertProvider {ProviderNamespace}/{ProviderName} has unknown type '{ProviderType}' (slack, msteams, discord, rocket or gchat) for canary {CanaryNamespace}/{CanaryName}; alert not sent")]
    public static partial void UnknownProviderType(ILogger logger, string providerNamespace, string providerName, string providerType, string canaryNamespace, string canaryName);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning,
        Message = "AlertProvider {ProviderNamespace}/{ProviderName} has annotation {Annotation} '{Value}', which is none of adaptive-card, message-card or auto; the URL chooses the Teams format")]
    public static partial void UnknownTeamsFormat(ILogger logger, string providerNamespace, string providerName, string annotation, string value);

    [LoggerMessage(EventId = 4210, Level = LogLevel.Error,
        Message = "Alert {AlertName} ({ProviderType} at {Host}) for canary {CanaryNamespace}/{CanaryName} was answered {StatusCode}: {ResponseBody}")]
    public static partial void AlertRejected(ILogger logger, string alertName, string providerType, string host, string canaryNamespace, string canaryName, int statusCode, string responseBody);

    [LoggerMessage(EventId = 4211, Level = LogLevel.Error,
        Message = "Alert {AlertName} ({ProviderType} at {Host}) for canary {CanaryNamespace}/{CanaryName} could not be posted: {Reason}")]
    public static partial void AlertUnreachable(ILogger logger, string alertName, string providerType, string host, string canaryNamespace, string canaryName, string reason);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Error,
        Message = "Alert {AlertName} for canary {CanaryNamespace}/{CanaryName} failed: {ErrorType}")]
    public static partial void AlertThrew(ILogger logger, string alertName, string canaryNamespace, string canaryName, string errorType);
}
