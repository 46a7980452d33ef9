using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Flagger.Core.Model;

/// <summary>A <c>flagger.app/v1beta1</c> AlertProvider: where alerts of a canary are sent.</summary>
[KubernetesEntity(Group = FlaggerApi.Group, ApiVersion = FlaggerApi.Version, Kind = KubeKind, PluralName = KubePlural)]
public sealed class AlertProvider : IKubernetesObject<V1ObjectMeta>, ISpec<AlertProviderSpec>
{
    public const string KubeKind = "AlertProvider";
    public const string KubePlural = "alertproviders";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = FlaggerApi.GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public AlertProviderSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ConditionsStatus? Status { get; set; }
}

public sealed class AlertProviderSpec
{
    /// <summary>slack, msteams, discord, rocket or gchat.</summary>
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("channel")]
    public string? Channel { get; set; }

    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("address")]
    public string? Address { get; set; }

    [JsonPropertyName("proxy")]
    public string? Proxy { get; set; }

    [JsonPropertyName("secretRef")]
    public SecretReference? SecretRef { get; set; }

    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "slack", "msteams", "discord", "rocket", "gchat",
    };
}
