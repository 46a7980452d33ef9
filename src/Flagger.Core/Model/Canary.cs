using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flagger.Core.Model;

/// <summary>A <c>flagger.app/v1beta1</c> Canary, field for field as Flagger users write it.</summary>
[KubernetesEntity(Group = FlaggerApi.Group, ApiVersion = FlaggerApi.Version, Kind = KubeKind, PluralName = KubePlural)]
public sealed class Canary : IKubernetesObject<V1ObjectMeta>, ISpec<CanarySpec>, IStatus<CanaryStatus?>
{
    public const string KubeKind = "Canary";
    public const string KubePlural = "canaries";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = FlaggerApi.GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public CanarySpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public CanaryStatus? Status { get; set; }

    [JsonIgnore]
    public string Key => $"{Metadata.NamespaceProperty}/{Metadata.Name}";

    /// <summary>The analysis, preferring <c>analysis</c> over the deprecated <c>canaryAnalysis</c>.</summary>
    [JsonIgnore]
    public CanaryAnalysis Analysis => Spec.Analysis ?? Spec.CanaryAnalysis ?? new CanaryAnalysis();
}

[KubernetesEntity(Group = FlaggerApi.Group, ApiVersion = FlaggerApi.Version, Kind = "CanaryList", PluralName = Canary.KubePlural)]
public sealed class CanaryList : IKubernetesObject<V1ListMeta>, IItems<Canary>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = FlaggerApi.GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "CanaryList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<Canary> Items { get; set; } = [];
}

public static class FlaggerApi
{
    public const string Group = "flagger.app";
    public const string Version = "v1beta1";
    public const string GroupVersion = Group + "/" + Version;
}

public sealed class CanarySpec
{
    [JsonPropertyName("provider")]
    public string? Provider { get; set; }

    [JsonPropertyName("metricsServer")]
    public string? MetricsServer { get; set; }

    [JsonPropertyName("targetRef")]
    public LocalObjectReference TargetRef { get; set; } = new();

    [JsonPropertyName("autoscalerRef")]
    public AutoscalerReference? AutoscalerRef { get; set; }

    /// <summary>NGINX only: carried so Flagger manifests load, ignored by the Gateway API path.</summary>
    [JsonPropertyName("ingressRef")]
    public LocalObjectReference? IngressRef { get; set; }

    /// <summary>APISIX only: carried, ignored.</summary>
    [JsonPropertyName("routeRef")]
    public LocalObjectReference? RouteRef { get; set; }

    /// <summary>Gloo only: carried, ignored.</summary>
    [JsonPropertyName("upstreamRef")]
    public CrossNamespaceObjectReference? UpstreamRef { get; set; }

    [JsonPropertyName("service")]
    public CanaryService Service { get; set; } = new();

    [JsonPropertyName("analysis")]
    public CanaryAnalysis? Analysis { get; set; }

    /// <summary>Deprecated alias of <see cref="Analysis"/>.</summary>
    [JsonPropertyName("canaryAnalysis")]
    public CanaryAnalysis? CanaryAnalysis { get; set; }

    [JsonPropertyName("progressDeadlineSeconds")]
    public int? ProgressDeadlineSeconds { get; set; }

    [JsonPropertyName("skipAnalysis")]
    public bool SkipAnalysis { get; set; }

    [JsonPropertyName("revertOnDeletion")]
    public bool RevertOnDeletion { get; set; }

    [JsonPropertyName("suspend")]
    public bool Suspend { get; set; }

    public const int DefaultProgressDeadlineSeconds = 600;

    [JsonIgnore]
    public TimeSpan ProgressDeadline => TimeSpan.FromSeconds(
        ProgressDeadlineSeconds is > 0 ? ProgressDeadlineSeconds.Value : DefaultProgressDeadlineSeconds);
}

public sealed class LocalObjectReference
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

public sealed class CrossNamespaceObjectReference
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

public sealed class AutoscalerReference
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("primaryScalerQueries")]
    public IDictionary<string, string>? PrimaryScalerQueries { get; set; }

    [JsonPropertyName("primaryScalerReplicas")]
    public ScalerReplicas? PrimaryScalerReplicas { get; set; }
}

public sealed class ScalerReplicas
{
    [JsonPropertyName("minReplicas")]
    public int? MinReplicas { get; set; }

    [JsonPropertyName("maxReplicas")]
    public int? MaxReplicas { get; set; }
}
