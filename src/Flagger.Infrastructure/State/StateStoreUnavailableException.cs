using System.Net;
using Azure;

namespace Flagger.Infrastructure.State;

/// <summary>
/// Table Storage could not be reached or kept failing after the SDK's retries (connection refused, timeout,
/// 5xx, throttling). Nothing was written by the failed call. Callers answer 503 (Event Grid then redelivers)
/// or let the Durable activity's retry policy run again.
/// </summary>
public sealed class StateStoreUnavailableException : Exception
{
    public StateStoreUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True for failures that say "the store is unavailable" rather than "the request is wrong".</summary>
    internal static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        RequestFailedException e => e.Status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests
            or >= 500 || (e.InnerException is { } inner && IsTransient(inner, cancellationToken)),
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(inner => IsTransient(inner, cancellationToken)),
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };
}
