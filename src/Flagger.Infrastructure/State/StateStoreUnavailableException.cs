namespace Flagger.Infrastructure.State;

/// <summary>
/// Table Storage could not be reached or kept failing after the SDK's retries (connection refused, timeout,
/// 5xx, throttling). Nothing was written by the failed call. Callers answer 503 (Event Grid then redelivers)
/// or let the Durable activity's retry policy run again. Which failures count is <see cref="TransientFailures"/>.
/// </summary>
public sealed class StateStoreUnavailableException : Exception
{
    public StateStoreUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
