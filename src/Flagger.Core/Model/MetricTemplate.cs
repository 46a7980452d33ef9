using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flagger.Core.Model;

/// <summary>A <c>flagger.app/v1beta1</c> MetricTemplate: a provider and a query template.</summary>
[KubernetesEntity(Group = FlaggerApi.Group, ApiVersion = FlaggerApi.Version, Kind = KubeKind, PluralName = KubePlural)]
public sealed class MetricTemplate : IKubernetesObject<V1ObjectMeta>, ISpec<MetricTemplateSpec>
{
    public const string KubeKind = "MetricTemplate";
    public const string KubePlural = "metrictemplates";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = FlaggerApi.GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public MetricTemplateSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ConditionsStatus? Status { get; set; }
}

public sealed class MetricTemplateSpec
{
    [JsonPropertyName("provider")]
    public MetricProvider Provider { get; set; } = new();

    [JsonPropertyName("query")]
    public string Query { get; set; } = "";
}

public sealed class MetricProvider
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("address")]
    public string? Address { get; set; }

    [JsonPropertyName("headers")]
    public IDictionary<string, IList<string>>? Headers { get; set; }

    [JsonPropertyName("secretRef")]
    public SecretReference? SecretRef { get; set; }

    [JsonPropertyName("region")]
    public string? Region { get; set; }

    [JsonPropertyName("insecureSkipVerify")]
    public bool InsecureSkipVerify { get; set; }
}

public sealed class SecretReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

/// <summary>The unused status of MetricTemplate and AlertProvider, carried so round trips keep it.</summary>
public sealed class ConditionsStatus
{
    [JsonPropertyName("conditions")]
    public IList<CanaryCondition>? Conditions { get; set; }
}
