using System.Net;
using System.Net.Sockets;
using Azure;
using k8s.Autorest;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// Which dependency failures are worth Event Grid's redelivery: unreachable or timed-out Kubernetes or Table
/// Storage, throttling, and 5xx answers. Anything else would fail the same way again.
/// </summary>
public static class TransientFailures
{
    /// <param name="requestAborted">The caller's token: a cancellation it asked for is not a dependency timing out.</param>
    public static bool IsTransient(Exception exception, CancellationToken requestAborted)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpOperationException k8s when k8s.Response is { } response:
                    return IsTransientStatus((int)response.StatusCode);
                case RequestFailedException azure:
                    return azure.Status == 0 || IsTransientStatus(azure.Status);
                case HttpRequestException http:
                    return http.StatusCode is not { } status || IsTransientStatus((int)status);
                case OperationCanceledException:
                    return !requestAborted.IsCancellationRequested;
                case SocketException or IOException or TimeoutException:
                    return true;
            }
        }

        return false;
    }

    public static bool IsTransientStatus(int status) =>
        status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;
}
