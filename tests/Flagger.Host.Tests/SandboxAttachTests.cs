using Flagger.Sandbox;
using Microsoft.AspNetCore.Builder;

namespace Flagger.Host.Tests;

/// <summary><c>Sandbox__Attach</c>: the host uses a sandbox that runs on its own instead of starting one.</summary>
public sealed class SandboxAttachTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("flagger-attach-").FullName;

    [Fact]
    public async Task Attach_ASandboxRunsThere_PointsKubernetesAndPrometheusAtIt_StartsNoSandbox()
    {
        new RunningSandbox(Environment.ProcessId, "/sandbox/kubeconfig", new Uri("https://127.0.0.1:6443/"), new Uri("http://127.0.0.1:9090/"))
            .Write(_work);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Sandbox:Attach"] = _work;

        var started = await SandboxMode.StartIfDefaultAsync(builder, CancellationToken.None);

        Assert.Null(started);
        Assert.Equal("/sandbox/kubeconfig", builder.Configuration["Kubernetes:Kubeconfig"]);
        Assert.Equal("http://127.0.0.1:9090/", builder.Configuration["Prometheus:Address"]);
    }

    [Fact]
    public async Task Attach_TheSandboxThereIsGone_FailsSayingHowToStartOne()
    {
        new RunningSandbox(int.MaxValue, "/sandbox/kubeconfig", new Uri("https://127.0.0.1:6443/"), new Uri("http://127.0.0.1:9090/"))
            .Write(_work);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["Sandbox:Attach"] = _work;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SandboxMode.StartIfDefaultAsync(builder, CancellationToken.None));

        Assert.Contains($"Flagger.Sandbox --work-dir {_work}", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
