using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flagger.Testing.Azurite;

/// <summary>
/// Azurite (blob, queue and table) as a child process on free loopback ports with its own data folder, from
/// the repository's <c>node_modules</c> (<c>npm ci</c> at the repository root installs it; scripts/test does). Telemetry
/// is off: Azurite 3.37 would otherwise report to a public endpoint.
/// It can be stopped and started again on the same ports and folder, to play a storage outage.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key (public, not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    // Longer than Azurite's 5 s autosave: even a SIGKILL after an ignored SIGTERM loses no acknowledged write.
    private static readonly TimeSpan s_termGrace = TimeSpan.FromSeconds(6);

    private readonly string _binary;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private AzuriteServer(string binary, string location, int blobPort, int queuePort, int tablePort)
    {
        _binary = binary;
        Location = location;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public string Location { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public bool IsRunning => _process is { HasExited: false };

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    public Uri TableEndpoint => new($"http://127.0.0.1:{TablePort}/{AccountName}");

    /// <summary>
    /// Starts Azurite on three free loopback ports and a new temporary folder; returns once all three services answer.
    /// A port found free can be taken by another process before Azurite binds it (tests start servers in parallel):
    /// then it starts again on other ports.
    /// </summary>
    public static async Task<AzuriteServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var binary = FindBinary();
        for (var attempt = 1; ; attempt++)
        {
            var location = Directory.CreateTempSubdirectory("azurite-").FullName;
            var ports = FreePorts(3);
            var server = new AzuriteServer(binary, location, ports[0], ports[1], ports[2]);
            try
            {
                await server.RestartAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException exception) when (attempt < 5 && exception.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Starts the process (again) on the same ports and folder: the data written before is still there.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Azurite is already running.");
        }

        var start = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--silent", "--location", Location, "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_binary}.");
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
        await WaitUntilReadyAsync(process, cancellationToken);
    }

    /// <summary>SIGTERM, then SIGKILL if Azurite has not exited after a short grace (it sometimes ignores SIGTERM).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        using (process)
        {
            if (!process.HasExited)
            {
                await TerminateAsync(process.Id);
                using var grace = new CancellationTokenSource(s_termGrace);
                try
                {
                    await process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>What Azurite printed (errors only, as it runs with <c>--silent</c>).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// <c>node_modules/.bin/azurite</c> at the repository root (the folder holding Flagger.Functions.sln).
    /// Missing means the tests cannot run: fail loudly with the fix, never skip.
    /// </summary>
    public static string FindBinary()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Flagger.Functions.sln")))
            {
                var binary = Path.Combine(folder.FullName, "node_modules", ".bin", "azurite");
                return File.Exists(binary)
                    ? binary
                    : throw new InvalidOperationException(
                        $"Azurite is not installed: {binary} is missing. Run `npm ci --no-audit --no-fund` in {folder.FullName} " +
                        "(package.json pins azurite; scripts/test does this on its own).");
            }
        }

        throw new InvalidOperationException($"No Flagger.Functions.sln above {AppContext.BaseDirectory}: cannot find the repository's node_modules/.bin/azurite.");
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} while starting: {Output}");
            }

            if (await AnswersAsync(http, cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                await StopAsync();
                throw new TimeoutException($"Azurite did not answer on ports {BlobPort}, {QueuePort}, {TablePort} within {s_startTimeout.TotalSeconds} s: {Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<bool> AnswersAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var port in new[] { BlobPort, QueuePort })
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            }

            // Any HTTP answer (403 without a signature) means the table service is serving.
            using var response = await http.GetAsync(new Uri(TableEndpoint + "/Tables"), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is SocketException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>.NET sends only SIGKILL; the kill command sends the polite signal first.</summary>
    private static async Task TerminateAsync(int pid)
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No kill command: the SIGKILL after the grace period still stops Azurite.
        }
    }
}
