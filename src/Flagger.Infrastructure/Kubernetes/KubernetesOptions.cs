using System.ComponentModel.DataAnnotations;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>How to reach the cluster (app settings <c>Kubernetes__*</c>).</summary>
public sealed class KubernetesOptions : IValidatableObject
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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Server is not null && !(Server.IsAbsoluteUri && Server.Scheme is "https" or "http"))
        {
            yield return new ValidationResult($"{nameof(Server)} must be the API server's absolute https (or http) URL", [nameof(Server)]);
        }

        if (UseEntraId && Server is null)
        {
            yield return new ValidationResult($"{nameof(UseEntraId)} needs {Settings.Name(Section, nameof(Server))}, the API server to send Entra ID tokens to", [nameof(UseEntraId)]);
        }

        if (!string.IsNullOrEmpty(CertificateAuthorityData) && !IsBase64(CertificateAuthorityData))
        {
            yield return new ValidationResult($"{nameof(CertificateAuthorityData)} must be the cluster CA's PEM in base64 (certificate-authority-data of a kubeconfig)", [nameof(CertificateAuthorityData)]);
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{nameof(RequestTimeout)} must be a positive duration", [nameof(RequestTimeout)]);
        }
    }

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out _);
}
