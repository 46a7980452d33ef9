using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using k8s.Models;

namespace Flagger.Deploy.Tests.Kubernetes;

/// <summary>
/// The manifests under infra/kubernetes load with KubernetesClient's YAML loader, and the CRDs' schemas
/// accept what Flagger users write (the samples, the default MetricTemplates, the model's fixture corpus)
/// and reject what the API server must refuse. The schema check is <see cref="StructuralSchema"/>: a subset
/// of the API server's validation.
/// </summary>
public sealed class ManifestTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, V1CustomResourceDefinition>> s_crds = new(LoadCrds);

    /// <summary>Every Kubernetes object file; kustomization.yaml (kustomize's own, not an object) is checked by HostManifestTests.</summary>
    public static TheoryData<string> ManifestFiles => new(RepositoryFiles.Under(RepositoryFiles.KubernetesManifests, ".yaml", ".yml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml"));

    /// <summary>Every flagger.app document of infra/kubernetes and of the model's fixtures: file and index.</summary>
    public static TheoryData<string, int> FlaggerDocuments
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var (file, index) in FlaggerDocumentIndex())
            {
                data.Add(file, index);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Every_manifest_loads_with_the_Kubernetes_YAML_loader(string file)
    {
        var objects = FlaggerYaml.LoadAll(Read(file));

        Assert.NotEmpty(objects);
        if (file.Contains("/crds/", StringComparison.Ordinal))
        {
            Assert.All(objects, o => Assert.IsType<V1CustomResourceDefinition>(o));
        }
    }

    [Theory]
    [InlineData("Canary", "canaries", "canary")]
    [InlineData("MetricTemplate", "metrictemplates", "metrictemplate")]
    [InlineData("AlertProvider", "alertproviders", "alertprovider")]
    public void Crds_have_Flaggers_group_version_names_and_status_subresource(string kind, string plural, string singular)
    {
        var crd = s_crds.Value[kind];

        Assert.Equal($"{plural}.flagger.app", crd.Metadata.Name);
        Assert.Equal(FlaggerApi.Group, crd.Spec.Group);
        Assert.Equal("Namespaced", crd.Spec.Scope);
        Assert.Equal((plural, singular, $"{kind}List"), (crd.Spec.Names.Plural, crd.Spec.Names.Singular, crd.Spec.Names.ListKind));
        Assert.Equal(["all"], crd.Spec.Names.Categories);
        var version = Assert.Single(crd.Spec.Versions);
        Assert.Equal((FlaggerApi.Version, true, true), (version.Name, version.Served, version.Storage));
        Assert.NotNull(version.Subresources?.Status);
        Assert.Equal("object", version.Schema.OpenAPIV3Schema.Type);
    }

    [Fact]
    public void Canary_printer_columns_are_Flaggers()
    {
        var columns = Assert.Single(s_crds.Value["Canary"].Spec.Versions).AdditionalPrinterColumns
            .Select(c => (c.Name, c.JsonPath, c.Priority ?? 0));

        Assert.Equal(
            [
                ("Status", ".status.phase", 0),
                ("Weight", ".status.canaryWeight", 0),
                ("Suspended", ".spec.suspend", 1),
                ("FailedChecks", ".status.failedChecks", 1),
                ("Interval", ".spec.analysis.interval", 1),
                ("Mirror", ".spec.analysis.mirror", 1),
                ("StepWeight", ".spec.analysis.stepWeight", 1),
                ("StepWeights", ".spec.analysis.stepWeights", 1),
                ("MaxWeight", ".spec.analysis.maxWeight", 1),
                ("LastTransitionTime", ".status.lastTransitionTime", 0),
            ],
            columns);
    }

    [Fact]
    public void The_sample_and_every_fixture_kind_are_covered()
    {
        var files = FlaggerDocumentIndex().Select(d => d.File).ToHashSet();
        var kinds = files.SelectMany(Documents).Where(IsFlagger).Select(d => (string?)d["kind"]).ToHashSet();

        Assert.Equal(["AlertProvider", "Canary", "MetricTemplate"], kinds.Order());
        Assert.Contains("infra/kubernetes/samples/canary.yaml", files);
        Assert.Contains("tests/Flagger.Core.Tests/Manifests/deprecated-canary-analysis.yaml", files);
    }

    [Theory]
    [MemberData(nameof(FlaggerDocuments))]
    public void Crd_schema_accepts(string file, int document)
    {
        var manifest = Documents(file)[document];

        Assert.Empty(Validate(manifest));
    }

    public static TheoryData<string, string> InvalidCanaries => new()
    {
        { "missing targetRef", "spec.targetRef: Required value" },
        { "bad webhook type", "spec.analysis.webhooks[0].type: Unsupported value: \"pre-flight\"" },
        { "bad onNoData", "spec.analysis.metrics[1].onNoData: Unsupported value: \"maybe\"" },
        { "unknown field at the top of spec", "spec.replicas: unknown field" },
        { "missing service port", "spec.service.port: Required value" },
        { "no analysis", "spec: must satisfy one of required [analysis] | required [canaryAnalysis]" },
        { "bad provider", "spec.provider: Unsupported value: \"gatewayapi\"" },
        { "interval without a unit", "spec.analysis.interval: must match ^[0-9]+(m|s)" },
        { "port as a string", "spec.service.port: must be of type integer, not String" },
        { "bad alert severity", "spec.analysis.alerts[0].severity: Unsupported value: \"critical\"" },
    };

    [Theory]
    [MemberData(nameof(InvalidCanaries))]
    public void Crd_schema_rejects_an_invalid_canary(string change, string expected)
    {
        var canary = SampleCanary();
        var spec = canary["spec"]!.AsObject();
        var analysis = spec["analysis"]!.AsObject();
        switch (change)
        {
            case "missing targetRef": spec.Remove("targetRef"); break;
            case "bad webhook type": analysis["webhooks"]![0]!["type"] = "pre-flight"; break;
            case "bad onNoData": analysis["metrics"]![1]!["onNoData"] = "maybe"; break;
            case "unknown field at the top of spec": spec["replicas"] = 3; break;
            case "missing service port": spec["service"]!.AsObject().Remove("port"); break;
            case "no analysis": spec.Remove("analysis"); break;
            case "bad provider": spec["provider"] = "gatewayapi"; break;
            case "interval without a unit": analysis["interval"] = "60"; break;
            case "port as a string": spec["service"]!["port"] = "9898"; break;
            case "bad alert severity":
                analysis["alerts"] = JsonNode.Parse("""[{"name": "team", "severity": "critical", "providerRef": {"name": "slack"}}]""");
                break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }

        var error = Assert.Single(Validate(canary));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Crd_schema_rejects_an_alert_provider_without_address_or_secret()
    {
        var provider = JsonNode.Parse("""
            {"apiVersion": "flagger.app/v1beta1", "kind": "AlertProvider", "metadata": {"name": "x"},
             "spec": {"type": "slack", "channel": "general"}}
            """)!.AsObject();

        Assert.Equal(["spec: must satisfy one of required [address] | required [secretRef]"], Validate(provider));
    }

    [Fact]
    public void Crd_schema_rejects_an_unknown_metric_provider_type()
    {
        var template = JsonNode.Parse("""
            {"apiVersion": "flagger.app/v1beta1", "kind": "MetricTemplate", "metadata": {"name": "x"},
             "spec": {"provider": {"type": "mimir"}, "query": "up"}}
            """)!.AsObject();

        Assert.Equal(["spec.provider.type: Unsupported value: \"mimir\" (supported: \"prometheus\", \"influxdb\", \"datadog\", \"externalmetrics\", \"stackdriver\", \"cloudwatch\", \"newrelic\", \"graphite\", \"dynatrace\", \"keptn\", \"splunk\")"], Validate(template));
    }

    [Fact]
    public void Every_status_field_the_model_writes_is_in_the_schema_so_none_is_pruned()
    {
        var status = new CanaryStatus
        {
            Phase = CanaryPhase.WaitingPromotion,
            FailedChecks = 1,
            CanaryWeight = 30,
            Iterations = 2,
            TrackedConfigs = new Dictionary<string, string> { ["configmap/podinfo-config"] = "abc" },
            LastAppliedSpec = "5d8f",
            LastPromotedSpec = "4c7e",
            LastTransitionTime = DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            SessionAffinityCookie = "flagger-cookie-1",
            PrimarySessionAffinityCookie = "flagger-primary-1",
            PreviousSessionAffinityCookie = "flagger-cookie-0",
            PendingRevision = "6f9b",
            Paused = true,
            ObservedGeneration = 7,
            GateWait = new GateWait { Gate = "confirm-promotion", Revision = "5d8f", Since = DateTimeOffset.UnixEpoch },
            Conditions =
            [
                new CanaryCondition { Type = "Promoted", Status = "Unknown", Reason = "Progressing", Message = "m", LastUpdateTime = DateTimeOffset.UnixEpoch, LastTransitionTime = DateTimeOffset.UnixEpoch },
                new CanaryCondition { Type = "Validated", Status = "True", Reason = "Valid" },
            ],
        };
        var canary = SampleCanary();
        canary["status"] = JsonSerializer.SerializeToNode(status);

        Assert.Empty(Validate(canary));
        Assert.Equal(
            typeof(CanaryStatus).GetProperties().Count(p => !p.IsDefined(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), false)),
            canary["status"]!.AsObject().Count);
    }

    [Fact]
    public void The_cluster_role_never_deletes_watches_or_uses_wildcards()
    {
        var role = Assert.Single(FlaggerYaml.LoadAll(Read("infra/kubernetes/rbac/clusterrole.yaml")).OfType<V1ClusterRole>());

        var verbs = role.Rules.SelectMany(r => r.Verbs).ToHashSet();
        Assert.Subset(new HashSet<string> { "get", "list", "create", "update", "patch" }, verbs);
        Assert.DoesNotContain(role.Rules, r => r.Resources.Contains("*") || r.ApiGroups.Contains("*"));
        Assert.Contains(role.Rules, r => r.Resources.SequenceEqual(["canaries/status"]) && r.Verbs.SequenceEqual(["patch"]));
    }

    [Fact]
    public void The_cluster_role_lets_the_router_write_every_route_kind()
    {
        var role = Assert.Single(FlaggerYaml.LoadAll(Read("infra/kubernetes/rbac/clusterrole.yaml")).OfType<V1ClusterRole>());

        // GatewayApiRouter reads, creates, replaces and patches the HTTPRoute, or the GRPCRoute (flagger-functions.io/route-kind).
        var routes = Assert.Single(role.Rules, r => r.ApiGroups.SequenceEqual(["gateway.networking.k8s.io"]));
        Assert.Equal([Flagger.Core.Routing.RouteKind.Http.Plural, Flagger.Core.Routing.RouteKind.Grpc.Plural], routes.Resources);
        Assert.Equal(["get", "create", "update", "patch"], routes.Verbs);
    }

    [Fact]
    public void The_cluster_role_lets_the_api_list_a_canarys_events()
    {
        var role = Assert.Single(FlaggerYaml.LoadAll(Read("infra/kubernetes/rbac/clusterrole.yaml")).OfType<V1ClusterRole>());

        // GET /api/canaries/{ns}/{name}/events lists them (KubernetesCanaryCluster.ListEventsAsync); the recorder reads and writes them.
        var events = Assert.Single(role.Rules, r => r.ApiGroups.SequenceEqual([""]) && r.Resources.Contains("events"));
        Assert.Equal(["get", "list", "create", "update"], events.Verbs);
    }

    private static IEnumerable<(string File, int Index)> FlaggerDocumentIndex() =>
        RepositoryFiles.Under(RepositoryFiles.KubernetesManifests, ".yaml")
            .Concat(RepositoryFiles.Under(RepositoryFiles.CoreFixtures, ".yaml"))
            .SelectMany(file => Documents(file).Select((document, index) => (file, index, document)))
            .Where(d => IsFlagger(d.document))
            .Select(d => (d.file, d.index));

    private static JsonObject SampleCanary() =>
        Documents("infra/kubernetes/samples/canary.yaml").Single(d => (string?)d["kind"] == "Canary");

    private static IReadOnlyList<string> Validate(JsonObject manifest)
    {
        var kind = (string?)manifest["kind"] ?? throw new ArgumentException("manifest without kind");
        var schema = Assert.Single(s_crds.Value[kind].Spec.Versions).Schema.OpenAPIV3Schema;
        return StructuralSchema.Validate(schema, manifest);
    }

    private static bool IsFlagger(JsonObject document) =>
        ((string?)document["apiVersion"])?.StartsWith(FlaggerApi.Group + "/", StringComparison.Ordinal) == true;

    private static IReadOnlyList<JsonObject> Documents(string file) => YamlDocuments.Parse(Read(file));

    private static string Read(string file) => File.ReadAllText(Path.Combine(RepositoryFiles.Root, file));

    private static IReadOnlyDictionary<string, V1CustomResourceDefinition> LoadCrds() =>
        RepositoryFiles.Under(Path.Combine(RepositoryFiles.KubernetesManifests, "crds"), ".yaml")
            .SelectMany(f => FlaggerYaml.LoadAll(Read(f)))
            .OfType<V1CustomResourceDefinition>()
            .ToDictionary(c => c.Spec.Names.Kind);
}
