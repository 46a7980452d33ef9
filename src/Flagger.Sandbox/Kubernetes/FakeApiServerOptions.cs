namespace Flagger.Sandbox.Kubernetes;

/// <summary>How to start a <see cref="FakeKubernetesApiServer"/>.</summary>
public sealed class FakeApiServerOptions
{
    /// <summary>The bearer token the server accepts; a random one when null.</summary>
    public string? Token { get; init; }

    /// <summary>The clock for timestamps and the simulated controllers' delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Names of the cluster, user and context in the kubeconfig.</summary>
    public string ContextName { get; init; } = "fake";

    /// <summary>The namespace the kubeconfig's context points at.</summary>
    public string DefaultNamespace { get; init; } = "default";

    /// <summary>Parent of the directory holding <see cref="FakeKubernetesApiServer.KubeconfigPath"/>; the system temp directory when null.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Where the server keeps itself across restarts (null: nothing is kept). It holds the CA and serving
    /// certificate, the port and token (<c>server.json</c>) and the objects (<c>objects.json</c>, written shortly after
    /// every change and on dispose, read at start), so a server started again on it is the same cluster at the same
    /// address, and kubeconfigs written before still work.</summary>
    public string? StateDirectory { get; init; }
}
