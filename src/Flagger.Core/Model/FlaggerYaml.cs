using k8s;
using YamlDotNet.Core;

namespace Flagger.Core.Model;

/// <summary>
/// Loads Kubernetes manifests the way users write them, with Flagger's kinds added to KubernetesClient's
/// own type map. Loading is strict: a field the model does not know is an error, not silently dropped.
/// </summary>
public static class FlaggerYaml
{
    /// <summary>
    /// Flagger's kinds by <c>apiVersion/kind</c>. KubernetesClient merges this over its defaults, so
    /// <c>apps/v1/Deployment</c>, <c>v1/ConfigMap</c> and the other built-in kinds keep loading.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Type> TypeMap = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [$"{FlaggerApi.GroupVersion}/{Canary.KubeKind}"] = typeof(Canary),
        [$"{FlaggerApi.GroupVersion}/{MetricTemplate.KubeKind}"] = typeof(MetricTemplate),
        [$"{FlaggerApi.GroupVersion}/{AlertProvider.KubeKind}"] = typeof(AlertProvider),
    };

    /// <summary>Every document of a multi-document manifest, typed by its <c>apiVersion</c> and <c>kind</c>.</summary>
    /// <exception cref="FlaggerYamlException">The YAML is malformed, has an unknown field, or a kind with no known type.</exception>
    public static IReadOnlyList<object> LoadAll(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        try
        {
            return KubernetesYaml.LoadAllFromString(content, new Dictionary<string, Type>(TypeMap), strict: true);
        }
        catch (YamlException e)
        {
            throw new FlaggerYamlException($"invalid manifest at line {e.Start.Line}, column {e.Start.Column}: {Innermost(e).Message}", e);
        }
        catch (KeyNotFoundException e)
        {
            throw new FlaggerYamlException("a document has an apiVersion/kind with no known type (or lacks apiVersion or kind)", e);
        }
    }

    /// <summary>The only Canary of <paramref name="yaml"/>; other kinds in the stream are ignored.</summary>
    /// <exception cref="FlaggerYamlException">Not exactly one Canary, or the manifest does not load.</exception>
    public static Canary LoadCanary(string yaml)
    {
        var canaries = LoadAll(yaml).OfType<Canary>().ToList();
        return canaries.Count == 1
            ? canaries[0]
            : throw new FlaggerYamlException($"expected exactly one {Canary.KubeKind}, found {canaries.Count}");
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}

/// <summary>A manifest that cannot be loaded into the model; the message says where and why.</summary>
public sealed class FlaggerYamlException(string message, Exception? innerException = null)
    : Exception(message, innerException);
