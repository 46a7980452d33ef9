using Flagger.Sandbox;
using k8s;

namespace Flagger.Host;

/// <summary>Settings of the sandbox (<c>Sandbox__*</c>): the simulated cluster the host drives when no real one is configured.</summary>
public sealed class SandboxSettings
{
    public const string Section = "Sandbox";

    /// <summary>Null: on when no cluster is configured (no <c>Kubernetes__Kubeconfig</c>, <c>Kubernetes__Server</c>, not in a pod).</summary>
    public bool? Enabled { get; set; }

    /// <summary>Where the sandbox writes its kubeconfig and Prometheus data; empty: a temporary folder.</summary>
    public string? WorkDirectory { get; set; }

    public bool ABTesting { get; set; }

    public bool BlueGreen { get; set; }

    /// <summary>The work directory of a sandbox running on its own (<c>Flagger.Sandbox --work-dir DIR</c>): the host uses
    /// its cluster and Prometheus instead of starting a sandbox, so it can be stopped (or killed) and started again
    /// against the same cluster. <c>--demo</c> needs a sandbox of the host's own.</summary>
    public string? Attach { get; set; }
}

/// <summary>
/// Starts the sandbox before the host's services are built and points the Kubernetes and Prometheus
/// adapters at it: the fake API server (with its deployment and gateway simulations), live traffic through
/// the HTTPRoute, and a real Prometheus scraping it.
/// </summary>
public static class SandboxMode
{
    public static async Task<SandboxCluster?> StartIfDefaultAsync(WebApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var settings = builder.Configuration.GetSection(SandboxSettings.Section).Get<SandboxSettings>() ?? new SandboxSettings();
        if (!string.IsNullOrEmpty(settings.Attach))
        {
            var running = RunningSandbox.Find(settings.Attach) ?? throw new InvalidOperationException(
                $"Sandbox__Attach: no sandbox runs on {settings.Attach} (start one with Flagger.Sandbox --work-dir {settings.Attach})");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kubernetes:Kubeconfig"] = running.KubeconfigPath,
                ["Prometheus:Address"] = running.PrometheusAddress.ToString(),
            });
            return null;
        }

        var clusterConfigured = !string.IsNullOrEmpty(builder.Configuration["Kubernetes:Kubeconfig"])
            || !string.IsNullOrEmpty(builder.Configuration["Kubernetes:Server"])
            || KubernetesClientConfiguration.IsInCluster();
        if (!(settings.Enabled ?? !clusterConfigured))
        {
            return null;
        }

        var sandbox = await SandboxCluster.StartAsync(
            new SandboxOptions { WorkDirectory = settings.WorkDirectory, ABTesting = settings.ABTesting, BlueGreen = settings.BlueGreen },
            cancellationToken);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = sandbox.KubeconfigPath,
            ["Prometheus:Address"] = sandbox.PrometheusAddress.ToString(),
        });
        builder.Services.AddSingleton(sandbox);
        return sandbox;
    }
}
