using System.Net;
using System.Net.Sockets;
using Flagger.Sandbox.Prometheus;

namespace Flagger.Sandbox.Tests.Prometheus;

/// <summary>Starting the real Prometheus binary (from Debian's package) on loopback ports.</summary>
public sealed class PrometheusServerStartTests
{
    [Fact]
    public async Task StartAsync_PortTakenBeforePrometheusBindsIt_StartsAgainOnTheNextPort()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var ports = new Queue<int>([taken, FreePort()]);

        await using var server = await PrometheusServer.StartAsync(new PrometheusServerOptions(), ports.Dequeue, CancellationToken.None);
        using var http = new HttpClient();
        using var ready = await http.GetAsync(new Uri(server.Address, "-/ready"));

        Assert.NotEqual(taken, server.Address.Port);
        Assert.Empty(ports);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
