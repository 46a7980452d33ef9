using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests;

/// <summary><c>dotnet Flagger.Sandbox.dll --work-dir DIR</c>: the sandbox as a process of its own.</summary>
public sealed class SandboxProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("flagger-sandbox-process-").FullName;
    private readonly List<Process> _started = [];

    [Fact]
    public async Task KilledOutright_PrometheusDiesWithIt_StartedAgain_SameClusterBehindTheSameKubeconfig()
    {
        var first = await StartAsync();
        var kubeconfig = Path.Combine(_work, "kubeconfig");
        var kubeconfigText = await File.ReadAllTextAsync(kubeconfig);
        using (var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)))
        {
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("""{"spec":{"suspend":true}}""", V1Patch.PatchType.MergePatch), "flagger.app", "v1beta1", "test", "canaries", "podinfo");
        }

        var objects = Path.Combine(_work, "cluster", "objects.json");
        await WaitUntilAsync(() => File.Exists(objects) && File.ReadAllText(objects).Contains("\"suspend\":true", StringComparison.Ordinal));
        Assert.Contains(SandboxLifetimeTests.PrometheusCommandLines(), line => line.Contains(_work, StringComparison.Ordinal));
        var running = RunningSandbox.Find(_work);
        first.Kill();
        await WaitUntilAsync(() => !SandboxLifetimeTests.PrometheusCommandLines().Any(line => line.Contains(_work, StringComparison.Ordinal)));
        var afterKill = RunningSandbox.Find(_work);

        await StartAsync();
        using var again = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var canary = await again.CustomObjects.GetNamespacedCustomObjectAsync<Flagger.Core.Model.Canary>("flagger.app", "v1beta1", "test", "canaries", "podinfo");

        Assert.Equal((first.Id, kubeconfig), (running?.ProcessId, running?.KubeconfigPath));
        Assert.Null(afterKill);
        Assert.True(canary.Spec.Suspend);
        Assert.Equal(kubeconfigText, await File.ReadAllTextAsync(kubeconfig));
    }

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }

            process.Dispose();
        }

        Directory.Delete(_work, recursive: true);
    }

    /// <summary>Starts the sandbox on the work directory and waits for its <c>ready</c> line.</summary>
    private async Task<Process> StartAsync()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Flagger.Sandbox.dll"), "--work-dir", _work })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _started.Add(process);
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready")
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return process;
            }
        }

        throw new InvalidOperationException($"the sandbox exited before it was ready: {await error}");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
