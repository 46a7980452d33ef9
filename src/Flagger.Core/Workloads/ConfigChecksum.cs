using System.Text.Json;
using k8s.Models;

namespace Flagger.Core.Workloads;

/// <summary>Checksums of tracked ConfigMaps and Secrets (<c>status.trackedConfigs</c>, spec §2.13).</summary>
public static class ConfigChecksum
{
    public const string TrackingAnnotation = "flagger.app/config-tracking";

    private static readonly HashSet<string> s_trackedSecretTypes = new(StringComparer.Ordinal)
    {
        "Opaque",
        "kubernetes.io/basic-auth",
        "kubernetes.io/ssh-auth",
        "kubernetes.io/tls",
    };

    /// <summary>
    /// SHA-256 over <c>{"binaryData":{…},"data":{…}}</c> with keys sorted, as 16 lowercase hex characters.
    /// Key order of the input does not matter; a missing map counts as an empty one.
    /// </summary>
    public static string Compute(IDictionary<string, string>? data, IDictionary<string, byte[]>? binaryData)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("binaryData");
            foreach (var (key, value) in Sorted(binaryData))
            {
                writer.WriteBase64String(key, value ?? []);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("data");
            foreach (var (key, value) in Sorted(data))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return CanonicalJson.Sha256Prefix(buffer.ToArray());
    }

    public static string Compute(V1ConfigMap configMap)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        return Compute(configMap.Data, configMap.BinaryData);
    }

    /// <summary>Over <c>data</c> only: <c>stringData</c> is write-only and the API server folds it into <c>data</c>.</summary>
    public static string Compute(V1Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Compute(null, secret.Data);
    }

    /// <summary>
    /// Flagger tracks only secrets users write themselves; service-account tokens, docker configs and the like
    /// change under it and are not part of an application's revision. An empty type is <c>Opaque</c>.
    /// </summary>
    public static bool IsTracked(V1Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return s_trackedSecretTypes.Contains(string.IsNullOrEmpty(secret.Type) ? "Opaque" : secret.Type);
    }

    /// <summary>
    /// True when <c>flagger.app/config-tracking</c> starts with <c>disabled</c>: the config is then neither tracked
    /// nor copied to <c>-primary</c>, and primary and target share it.
    /// </summary>
    public static bool IsTrackingDisabled(V1ObjectMeta? metadata) =>
        metadata?.Annotations is { } annotations
        && annotations.TryGetValue(TrackingAnnotation, out var value)
        && value is not null
        && value.StartsWith("disabled", StringComparison.Ordinal);

    private static IEnumerable<KeyValuePair<string, T>> Sorted<T>(IDictionary<string, T>? map) =>
        map is null ? [] : map.OrderBy(p => p.Key, StringComparer.Ordinal);
}
