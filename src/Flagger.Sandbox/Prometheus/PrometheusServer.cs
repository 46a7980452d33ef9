using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flagger.Sandbox.Prometheus;

/// <summary>
/// A real Prometheus (the Debian package's binary) started as a plain process on a free loopback port,
/// with a temporary config and data directory, the remote-write receiver on, and one scrape job (1 s by
/// default) for the given targets, or for a <see cref="ScrapeTarget"/> of its own when none are given.
/// Killed and its directory removed on dispose; it also exits within a second when this process dies.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string InstallHint =
        "Prometheus is required by the metric tests: install it with " +
        "`apt-get update && apt-get install -y --no-install-recommends prometheus` (scripts/test does this), " +
        "or set PROMETHEUS_BINARY to its path.";

    // .NET cannot ask the kernel to kill a child with its parent (no PR_SET_PDEATHSIG), so the shell that starts
    // Prometheus leaves a watcher behind that kills it once this process is gone (even after a kill -9), then
    // execs Prometheus in its own place: the process id stays Prometheus', and the watcher is its child.
    private const string Watchdog = """
        parent=$1; shift
        ( while kill -0 "$parent" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) >/dev/null 2>&1 </dev/null &
        exec "$@"
        """;

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log;
    private readonly ScrapeTarget? _ownTarget;

    private PrometheusServer(Process process, string directory, StringBuilder log, Uri address, ScrapeTarget? ownTarget)
    {
        _process = process;
        _directory = directory;
        _log = log;
        Address = address;
        _ownTarget = ownTarget;
        ProcessId = process.Id;
    }

    /// <summary>Base address ending in '/', e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The endpoint this server started for itself (only when it was given no scrape targets).</summary>
    /// <exception cref="InvalidOperationException">The server scrapes targets it was given.</exception>
    public ScrapeTarget ScrapeTarget =>
        _ownTarget ?? throw new InvalidOperationException("this Prometheus scrapes the targets it was started with, not one of its own");

    /// <summary>The prometheus process id (it is killed on dispose).</summary>
    public int ProcessId { get; }

    /// <summary>Whether the prometheus process is still running.</summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return !_process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>What the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <exception cref="InvalidOperationException">The binary is missing (with the install hint), or it did not become ready.</exception>
    public static Task<PrometheusServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new PrometheusServerOptions(), cancellationToken);

    /// <exception cref="InvalidOperationException">The binary is missing (with the install hint), or it did not become ready.</exception>
    public static Task<PrometheusServer> StartAsync(PrometheusServerOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, FreePort, cancellationToken);

    /// <param name="nextPort">Picks the port of each attempt (a free one, in production).</param>
    internal static async Task<PrometheusServer> StartAsync(PrometheusServerOptions options, Func<int> nextPort, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binary = FindBinary() ?? throw new InvalidOperationException(InstallHint);
        var ownTarget = options.ScrapeTargets.Count == 0 ? await ScrapeTarget.StartAsync() : null;
        var targets = ownTarget is null ? options.ScrapeTargets : [ownTarget.Address];
        string directory;
        if (options.WorkDirectory is { } parent)
        {
            directory = Path.Combine(Path.GetFullPath(parent), "prometheus-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(directory);
        }
        else
        {
            directory = Directory.CreateTempSubdirectory("flagger-prometheus-").FullName;
        }

        // A port found free can be taken by another process before Prometheus binds it (tests start servers
        // in parallel): Prometheus then exits at once, and it starts again on another port.
        for (var attempt = 1; ; attempt++)
        {
            var server = await LaunchAsync(binary, directory, nextPort(), targets, ownTarget, options, cancellationToken);
            try
            {
                await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), cancellationToken);
                return server;
            }
            catch (InvalidOperationException exception) when (attempt < 5 && exception.Message.Contains("address already in use", StringComparison.Ordinal))
            {
                await server.StopProcessAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Writes the configuration for <paramref name="port"/> and starts the process (under the watchdog).</summary>
    private static async Task<PrometheusServer> LaunchAsync(
        string binary, string directory, int port, IReadOnlyList<Uri> targets, ScrapeTarget? ownTarget, PrometheusServerOptions options, CancellationToken cancellationToken)
    {
        var config = Path.Combine(directory, "prometheus.yml");
        var interval = $"{Math.Max(1, (int)options.ScrapeInterval.TotalMilliseconds)}ms";
        var targetList = string.Join(", ", targets.Select(t => $"'{t.Authority}'"));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: {interval}
              evaluation_interval: {interval}
            scrape_configs:
              - job_name: {options.JobName}
                scrape_interval: {interval}
                honor_labels: {(options.HonorLabels ? "true" : "false")}
                metrics_path: {options.MetricsPath}
                static_configs:
                  - targets: [{targetList}]
            """, cancellationToken);

        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
        {
            "-c",
            Watchdog,
            "sh",
            Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            binary,
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-remote-write-receiver",
            "--storage.tsdb.retention.time=1h",
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var log = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        return new PrometheusServer(process, directory, log, new Uri($"http://127.0.0.1:{port}/"), ownTarget);
    }

    /// <summary>Stops the process only (a failed start): the directory and the scrape target stay for the next attempt.</summary>
    private async Task StopProcessAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        Http.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        if (_ownTarget is not null)
        {
            await _ownTarget.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode} before it was ready:\n{Log}");
            }

            try
            {
                // A short wait each: until Prometheus binds, whoever holds the port may accept and never answer.
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                using var response = await Http.GetAsync(new Uri(Address, "-/ready"), attempt.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No answer within the second: not ours yet, or not ready.
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new InvalidOperationException($"prometheus was not ready after {timeout.TotalSeconds}s:\n{Log}");
    }

    private static string? FindBinary()
    {
        if (Environment.GetEnvironmentVariable("PROMETHEUS_BINARY") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        return ExecutablePath.Find("prometheus") ?? (File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus" : null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }
}
