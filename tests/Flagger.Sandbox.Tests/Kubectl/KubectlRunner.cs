using System.Diagnostics;
using System.Threading.Channels;
using Flagger.Sandbox;

namespace Flagger.Sandbox.Tests.Kubectl;

/// <summary>What one kubectl command printed.</summary>
public sealed record KubectlResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// Runs the real kubectl (from PATH) against a kubeconfig, with its own discovery cache directory so no
/// run sees another server's cached resources. A missing kubectl fails the test: CI machines have kubectl 1.32.
/// </summary>
public sealed class KubectlRunner(string kubeconfigPath) : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly string _cacheDirectory = Directory.CreateTempSubdirectory("flagger-kubectl-cache-").FullName;

    public static string Executable { get; } = ExecutablePath.Find("kubectl")
        ?? throw new InvalidOperationException("kubectl is not on PATH: these tests run the real kubectl (1.32, which CI machines have)");

    /// <summary>Runs <c>kubectl --kubeconfig PATH ARGS</c>, killing it after 20 s (a test failure).</summary>
    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        using var process = Launch(args, requestTimeout: "15s");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish in {s_timeout.TotalSeconds} s");
        }

        return new KubectlResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command that must succeed and returns its standard output.</summary>
    public async Task<string> OutputOfAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {result}");
        return result.Output;
    }

    /// <summary>Starts a command that runs until it is killed (<c>get -w</c>), reading its output line by line.</summary>
    public RunningKubectl Start(params string[] args) => new(Launch(args, requestTimeout: "0"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_cacheDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover cache directory is harmless.
        }
    }

    private Process Launch(string[] args, string requestTimeout)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--kubeconfig", kubeconfigPath, "--cache-dir", _cacheDirectory, "--request-timeout", requestTimeout, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("KUBECONFIG");
        var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        process.StandardInput.Close();
        return process;
    }
}

/// <summary>A kubectl that keeps running (a watch); disposing kills it.</summary>
public sealed class RunningKubectl : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task<string> _error;
    private readonly List<string> _seen = [];

    internal RunningKubectl(Process process)
    {
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                _lines.Writer.TryWrite(line);
            }

            _lines.Writer.TryComplete();
        });
    }

    /// <summary>Waits for an output line that matches (the earlier lines are kept in the failure message); fails after 10 s or when kubectl exits.</summary>
    public async Task<string> LineAsync(Func<string, bool> matches)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await _lines.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    _seen.Add(line);
                    if (matches(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching kubectl line in 10 s; seen:\n{string.Join('\n', _seen)}");
        }

        throw new InvalidOperationException($"kubectl exited ({string.Join('\n', _seen)}): {await _error}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
