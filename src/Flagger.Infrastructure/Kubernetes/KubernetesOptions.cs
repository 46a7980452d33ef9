namespace Flagger.Infrastructure.Kubernetes;

/// <summary>How to reach the cluster (app settings <c>Kubernetes__*</c>).</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Kubernetes";

    /// <summary>A kubeconfig file. Empty: in-cluster when running in a pod, else the default kubeconfig.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>A context of the kubeconfig; empty for its current context.</summary>
    public string? Context { get; set; }

    /// <summary>The API server of an AKS cluster reached with Entra ID tokens instead of a kubeconfig user.</summary>
    public Uri? Server { get; set; }

    /// <summary>With <see cref="Server"/>: authenticate with Azure.Identity (managed identity in Azure).</summary>
    public bool UseEntraId { get; set; }

    /// <summary>Base64 PEM of the cluster CA for <see cref="Server"/>; empty trusts the system store.</summary>
    public string? CertificateAuthorityData { get; set; }

    /// <summary>Per-request timeout of API calls.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
