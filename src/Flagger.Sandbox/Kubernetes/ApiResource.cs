namespace Flagger.Sandbox.Kubernetes;

/// <summary>One resource type the fake server serves, as discovery describes it.</summary>
/// <param name="Group">API group; empty for the core group.</param>
/// <param name="Versions">Served versions; the same stored object answers in every one of them.</param>
/// <param name="Plural">Resource name in paths (<c>deployments</c>).</param>
/// <param name="Kind">Object kind (<c>Deployment</c>).</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
/// <param name="HasStatusSubresource">Whether <c>status</c> is written only through <c>.../NAME/status</c>.</param>
/// <param name="IsCustomResource">Custom resources refuse strategic merge patches and keep kind/apiVersion on list items.</param>
public sealed record ApiResource(
    string Group,
    IReadOnlyList<string> Versions,
    string Plural,
    string Kind,
    bool Namespaced,
    bool HasStatusSubresource,
    bool IsCustomResource)
{
    public string Singular => Kind.ToLowerInvariant();

    /// <summary><c>deployments.apps</c>, the form Kubernetes uses in error messages.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    public bool Serves(string version) => Versions.Contains(version, StringComparer.Ordinal);
}

/// <summary>The resource types the fake server knows; anything else answers 404 like an absent CRD.</summary>
public static class ApiResources
{
    public const string GatewayGroup = "gateway.networking.k8s.io";
    public const string FlaggerGroup = "flagger.app";

    public static readonly ApiResource Namespaces = new("", ["v1"], "namespaces", "Namespace", false, false, false);
    public static readonly ApiResource Services = new("", ["v1"], "services", "Service", true, false, false);
    public static readonly ApiResource ConfigMaps = new("", ["v1"], "configmaps", "ConfigMap", true, false, false);
    public static readonly ApiResource Secrets = new("", ["v1"], "secrets", "Secret", true, false, false);
    public static readonly ApiResource Events = new("", ["v1"], "events", "Event", true, false, false);
    public static readonly ApiResource Deployments = new("apps", ["v1"], "deployments", "Deployment", true, true, false);
    public static readonly ApiResource HorizontalPodAutoscalers =
        new("autoscaling", ["v2"], "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true, false);
    public static readonly ApiResource Canaries = new(FlaggerGroup, ["v1beta1"], "canaries", "Canary", true, true, true);
    public static readonly ApiResource MetricTemplates =
        new(FlaggerGroup, ["v1beta1"], "metrictemplates", "MetricTemplate", true, false, true);
    public static readonly ApiResource AlertProviders =
        new(FlaggerGroup, ["v1beta1"], "alertproviders", "AlertProvider", true, false, true);
    public static readonly ApiResource HttpRoutes =
        new(GatewayGroup, ["v1", "v1beta1", "v1alpha2"], "httproutes", "HTTPRoute", true, true, true);

    public static IReadOnlyList<ApiResource> All { get; } =
    [
        Namespaces, Services, ConfigMaps, Secrets, Events, Deployments, HorizontalPodAutoscalers,
        Canaries, MetricTemplates, AlertProviders, HttpRoutes,
    ];

    public static ApiResource? FindByPlural(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Plural == plural && r.Serves(version));

    /// <summary>Finds a resource from an object's <c>apiVersion</c> and <c>kind</c>.</summary>
    public static ApiResource? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        return All.FirstOrDefault(r => r.Group == group && r.Kind == kind && r.Serves(version));
    }

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }
}
