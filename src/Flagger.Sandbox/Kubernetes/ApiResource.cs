using k8s;
using k8s.Models;

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

    /// <summary>What discovery lists as <c>shortNames</c> (<c>deploy</c>), which kubectl accepts as resource names.</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>What discovery lists as <c>categories</c>; <c>kubectl get all</c> lists the resources in <c>all</c>.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>A custom resource's <c>additionalPrinterColumns</c> (the columns after NAME in its Table);
    /// empty for built-ins, which have their own printers.</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

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
    public const string KedaGroup = "keda.sh";

    // Short names and categories as kube-apiserver 1.31 reports them for the built-ins.
    public static readonly ApiResource Namespaces = new("", ["v1"], "namespaces", "Namespace", false, false, false) { ShortNames = ["ns"] };
    public static readonly ApiResource Services =
        new("", ["v1"], "services", "Service", true, false, false) { ShortNames = ["svc"], Categories = ["all"] };
    public static readonly ApiResource ConfigMaps = new("", ["v1"], "configmaps", "ConfigMap", true, false, false) { ShortNames = ["cm"] };
    public static readonly ApiResource Secrets = new("", ["v1"], "secrets", "Secret", true, false, false);
    public static readonly ApiResource Events = new("", ["v1"], "events", "Event", true, false, false) { ShortNames = ["ev"] };
    public static readonly ApiResource Deployments =
        new("apps", ["v1"], "deployments", "Deployment", true, true, false) { ShortNames = ["deploy"], Categories = ["all"] };
    public static readonly ApiResource HorizontalPodAutoscalers =
        new("autoscaling", ["v2"], "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true, false)
        {
            ShortNames = ["hpa"],
            Categories = ["all"],
        };

    // Flagger's resources are exactly the CRDs under infra/kubernetes/crds (embedded), printer columns included.
    public static readonly ApiResource Canaries = FromDefinition("canaries.yaml");
    public static readonly ApiResource MetricTemplates = FromDefinition("metrictemplates.yaml");
    public static readonly ApiResource AlertProviders = FromDefinition("alertproviders.yaml");

    // As the Gateway API standard channel CRD declares it.
    public static readonly ApiResource HttpRoutes =
        new(GatewayGroup, ["v1", "v1beta1", "v1alpha2"], "httproutes", "HTTPRoute", true, true, true)
        {
            Categories = ["gateway-api"],
            PrinterColumns =
            [
                new PrinterColumn("Hostnames", "string", ".spec.hostnames"),
                new PrinterColumn("Age", "date", ".metadata.creationTimestamp"),
            ],
        };

    // As the Gateway API standard channel CRD declares it (GRPCRoute is GA since Gateway API 1.1).
    public static readonly ApiResource GrpcRoutes =
        new(GatewayGroup, ["v1", "v1alpha2"], "grpcroutes", "GRPCRoute", true, true, true)
        {
            Categories = ["gateway-api"],
            PrinterColumns =
            [
                new PrinterColumn("Hostnames", "string", ".spec.hostnames"),
                new PrinterColumn("Age", "date", ".metadata.creationTimestamp"),
            ],
        };

    // As KEDA 2.x's CRD declares it (short name and the printer columns that need no status).
    public static readonly ApiResource ScaledObjects =
        new(KedaGroup, ["v1alpha1"], "scaledobjects", "ScaledObject", true, true, true)
        {
            ShortNames = ["so"],
            PrinterColumns =
            [
                new PrinterColumn("ScaleTargetName", "string", ".spec.scaleTargetRef.name"),
                new PrinterColumn("Min", "integer", ".spec.minReplicaCount"),
                new PrinterColumn("Max", "integer", ".spec.maxReplicaCount"),
                new PrinterColumn("Age", "date", ".metadata.creationTimestamp"),
            ],
        };

    public static IReadOnlyList<ApiResource> All { get; } =
    [
        Namespaces, Services, ConfigMaps, Secrets, Events, Deployments, HorizontalPodAutoscalers,
        Canaries, MetricTemplates, AlertProviders, HttpRoutes, GrpcRoutes, ScaledObjects,
    ];

    public static ApiResource? FindByPlural(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Plural == plural && r.Serves(version));

    /// <summary>Finds a resource from an object's <c>apiVersion</c> and <c>kind</c>.</summary>
    public static ApiResource? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        return All.FirstOrDefault(r => r.Group == group && r.Kind == kind && r.Serves(version));
    }

    /// <summary>The embedded CustomResourceDefinition of one of Flagger's kinds (<c>infra/kubernetes/crds/PLURAL.yaml</c>), or null.</summary>
    internal static V1CustomResourceDefinition? DefinitionOf(ApiResource resource) =>
        resource.Group == FlaggerGroup ? Definition(resource.Plural + ".yaml") : null;

    /// <summary>A custom resource as its CustomResourceDefinition (an embedded <c>infra/kubernetes/crds</c> file) declares it.</summary>
    internal static ApiResource FromDefinition(string file)
    {
        var crd = Definition(file);
        var served = crd.Spec.Versions.Where(v => v.Served).ToList();
        var first = served[0];

        // The real server adds an Age column only when a CRD declares none.
        IReadOnlyList<PrinterColumn> columns = first.AdditionalPrinterColumns is { Count: > 0 } declared
            ? [.. declared.Select(c => new PrinterColumn(c.Name, c.Type, c.JsonPath, c.Priority ?? 0, c.Description ?? "", c.Format ?? ""))]
            : [new PrinterColumn("Age", "date", ".metadata.creationTimestamp")];
        return new ApiResource(
            crd.Spec.Group,
            [.. served.Select(v => v.Name)],
            crd.Spec.Names.Plural,
            crd.Spec.Names.Kind,
            crd.Spec.Scope == "Namespaced",
            first.Subresources?.Status is not null,
            IsCustomResource: true)
        {
            ShortNames = [.. crd.Spec.Names.ShortNames ?? []],
            Categories = [.. crd.Spec.Names.Categories ?? []],
            PrinterColumns = columns,
        };
    }

    private static V1CustomResourceDefinition Definition(string file)
    {
        using var stream = typeof(ApiResources).Assembly.GetManifestResourceStream("crds/" + file)
            ?? throw new InvalidOperationException($"CRD {file} is not embedded in {typeof(ApiResources).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return KubernetesYaml.Deserialize<V1CustomResourceDefinition>(reader.ReadToEnd());
    }

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }
}

/// <summary>One column of a Table after NAME (a CRD's <c>additionalPrinterColumns</c> entry).</summary>
/// <param name="Type">OpenAPI type: <c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c> or <c>date</c> (shown as an age).</param>
/// <param name="JsonPath">A simple JSON path (<c>.status.phase</c>, <c>.spec.items[0].name</c>).</param>
/// <param name="Priority">0: always shown; higher: only with <c>-o wide</c>.</param>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, int Priority = 0, string Description = "", string Format = "");
