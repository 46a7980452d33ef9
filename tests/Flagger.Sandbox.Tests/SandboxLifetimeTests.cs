using System.Diagnostics;
using System.Net.Sockets;

namespace Flagger.Sandbox.Tests;

/// <summary>A sandbox of its own, started and disposed in the test.</summary>
public sealed class SandboxLifetimeTests
{
    [Fact]
    public async Task Dispose_KillsPrometheus_StopsTheServers_AndRemovesItsFiles()
    {
        var work = Directory.CreateTempSubdirectory("flagger-sandbox-test-").FullName;
        try
        {
            var sandbox = await SandboxCluster.StartAsync(new SandboxOptions { WorkDirectory = work, RunTraffic = false });
            var pid = sandbox.Prometheus.ProcessId;
            var apiPort = sandbox.ApiServer.BaseAddress.Port;
            var metricsPort = sandbox.Traffic.MetricsAddress.Port;
            Assert.True(File.Exists(sandbox.KubeconfigPath));
            Assert.True(IsRunning(pid));
            Assert.Contains(Directory.GetDirectories(work), d => Path.GetFileName(d).StartsWith("prometheus-", StringComparison.Ordinal));
            using (var http = new HttpClient())
            {
                Assert.True((await http.GetAsync(new Uri(sandbox.PrometheusAddress, "-/ready"))).IsSuccessStatusCode);
            }

            await sandbox.DisposeAsync();

            Assert.False(IsRunning(pid), $"prometheus {pid} still runs");
            Assert.DoesNotContain(PrometheusCommandLines(), line => line.Contains(work, StringComparison.Ordinal));
            Assert.False(File.Exists(sandbox.KubeconfigPath));
            Assert.Empty(Directory.GetFileSystemEntries(work));
            Assert.False(Listens(apiPort), "the API server still listens");
            Assert.False(Listens(metricsPort), "the metrics endpoint still listens");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static IEnumerable<string> PrometheusCommandLines() =>
        Directory.GetDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
                catch (UnauthorizedAccessException)
                {
                    return "";
                }
            })
            .Where(line => line.Contains("prometheus", StringComparison.Ordinal));

    private static bool Listens(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
