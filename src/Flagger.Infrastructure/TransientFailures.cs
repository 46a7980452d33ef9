using System.Net;
using System.Net.Sockets;
using Azure;
using k8s.Autorest;

namespace Flagger.Infrastructure;

/// <summary>
/// The one rule for which dependency failures are transient: unreachable or timed-out Kubernetes or Table
/// Storage, throttling, and 5xx answers. Those are worth Event Grid's redelivery or a Durable retry; anything
/// else would fail the same way again. The registry webhook answers 503 on them, the state stores turn them
/// into <see cref="State.StateStoreUnavailableException"/>.
/// </summary>
public static class TransientFailures
{
    /// <param name="exception">The failure; wrappers are looked through to the cause.</param>
    /// <param name="cancellationToken">The caller's token: a cancellation it asked for is not a dependency timing out.</param>
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        HttpOperationException { Response: { } response } => IsTransientStatus((int)response.StatusCode),
        RequestFailedException e => e.Status == 0 || IsTransientStatus(e.Status) || IsInnerTransient(e, cancellationToken),
        HttpRequestException e => e.StatusCode is not { } status || IsTransientStatus((int)status),
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(inner => IsTransient(inner, cancellationToken)),
        SocketException or IOException or TimeoutException => true,
        _ => IsInnerTransient(exception, cancellationToken),
    };

    public static bool IsTransientStatus(int status) =>
        status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;

    private static bool IsInnerTransient(Exception exception, CancellationToken cancellationToken) =>
        exception.InnerException is { } inner && IsTransient(inner, cancellationToken);
}
