using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Registry;

/// <summary>Log messages of the registry webhook.</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Registry delivery refused as malformed: {Reason}")]
    public static partial void DeliveryMalformed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Event Grid subscription validated")]
    public static partial void SubscriptionValidated(ILogger logger);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information,
        Message = "Push {Image} (event {EventId}) set on canary {CanaryNamespace}/{CanaryName} container {Container}, was {PreviousImage}")]
    public static partial void ImagePatched(ILogger logger, string image, string eventId, string canaryNamespace, string canaryName, string container, string previousImage);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information,
        Message = "Push {Image} (event {EventId}) not deployed to canary {CanaryNamespace}/{CanaryName}: {Reason}")]
    public static partial void ImageRefused(ILogger logger, string image, string eventId, string canaryNamespace, string canaryName, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning,
        Message = "Push {Image} (event {EventId}) not deployed to canary {CanaryNamespace}/{CanaryName}: {Reason}")]
    public static partial void ImageBlocked(ILogger logger, string image, string eventId, string canaryNamespace, string canaryName, string reason);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Debug, Message = "Registry event {EventId} was already handled")]
    public static partial void DuplicateDelivery(ILogger logger, string eventId);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Warning,
        Message = "Registry event {EventId} hit a transient failure; answering 503 for redelivery")]
    public static partial void TransientFailure(ILogger logger, string eventId, Exception exception);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Error, Message = "Registry event {EventId} failed")]
    public static partial void PermanentFailure(ILogger logger, string eventId, Exception exception);
}
