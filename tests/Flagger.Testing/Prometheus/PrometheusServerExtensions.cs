using Flagger.Sandbox.Prometheus;

namespace Flagger.Testing.Prometheus;

public static class PrometheusServerExtensions
{
    /// <summary>Writes the series through the server's remote-write receiver: exact values at once.</summary>
    public static Task PushAsync(this PrometheusServer server, IEnumerable<RemoteWriteSeries> series, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        return RemoteWrite.PushAsync(server.Http, server.Address, series, cancellationToken);
    }
}
