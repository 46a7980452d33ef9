using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Sandbox.Tests.FakeApiServer;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests.Kubectl;

/// <summary>The real kubectl against the fake API server's own kubeconfig, unchanged.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class KubectlTests(FakeApiServerFixture fixture) : IDisposable
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();
    private readonly KubectlRunner _kubectl = new(fixture.Server.KubeconfigPath);
    private readonly List<string> _manifests = [];

    [Fact]
    public async Task GetConfigMaps_TheServersKubeconfig_AuthenticatesOverTlsWithTheToken()
    {
        _server.Seed(Objects.ConfigMap(_ns, "settings"));

        var output = await _kubectl.OutputOfAsync("get", "configmaps", "-n", _ns, "-o", "name");

        Assert.Equal("configmap/settings", output.Trim());
        Assert.Contains(_server.Requests.All, r => r.Path == $"/api/v1/namespaces/{_ns}/configmaps" && r.StatusCode == 200);
    }

    [Fact]
    public async Task ApiResources_ListsShortNamesAndFlaggersKindsFromItsCrds()
    {
        var output = await _kubectl.OutputOfAsync("api-resources", "--no-headers");

        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        Assert.Contains(rows, r => r is ["deployments", "deploy", "apps/v1", "true", "Deployment"]);
        Assert.Contains(rows, r => r is ["services", "svc", "v1", "true", "Service"]);
        Assert.Contains(rows, r => r is ["events", "ev", "v1", "true", "Event"]);
        Assert.Contains(rows, r => r is ["configmaps", "cm", "v1", "true", "ConfigMap"]);
        Assert.Contains(rows, r => r is ["canaries", "flagger.app/v1beta1", "true", "Canary"]);
        Assert.Contains(rows, r => r is ["metrictemplates", "flagger.app/v1beta1", "true", "MetricTemplate"]);
    }

    [Fact]
    public async Task GetShortNamesAndSingular_ResolveThroughDiscovery()
    {
        _server.Seed(Objects.Deployment(_ns, "podinfo"));
        _server.Seed(Objects.ConfigMap(_ns, "podinfo-config"));
        _server.Seed(Canary(_ns, "podinfo"));

        var deployments = await _kubectl.OutputOfAsync("get", "deploy", "-n", _ns, "-o", "name");
        var configMaps = await _kubectl.OutputOfAsync("get", "cm", "-n", _ns, "-o", "name");
        var canary = await _kubectl.OutputOfAsync("get", "canary", "podinfo", "-n", _ns, "-o", "name");

        Assert.Equal("deployment.apps/podinfo", deployments.Trim());
        Assert.Equal("configmap/podinfo-config", configMaps.Trim());
        Assert.Equal("canary.flagger.app/podinfo", canary.Trim());
    }

    [Fact]
    public async Task GetAll_ListsTheAllCategory_ServicesDeploymentsAndFlaggersResources_NotConfigMaps()
    {
        _server.Seed(Objects.Deployment(_ns, "podinfo"));
        _server.Seed(Service(_ns, "podinfo"));
        _server.Seed(Objects.ConfigMap(_ns, "podinfo-config"));
        _server.Seed(Canary(_ns, "podinfo"));

        var output = await _kubectl.OutputOfAsync("get", "all", "-n", _ns, "-o", "name");

        Assert.Equal(
            ["service/podinfo", "deployment.apps/podinfo", "canary.flagger.app/podinfo"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task GetCanaries_PrintsTheCrdColumnsWithTheStatusValues()
    {
        _server.Seed(Canary(_ns, "podinfo", phase: "Progressing", weight: 20));

        var output = await _kubectl.OutputOfAsync("get", "canaries", "-n", _ns);
        var wide = await _kubectl.OutputOfAsync("get", "canaries", "-n", _ns, "-o", "wide");

        Assert.Equal(
            [["NAME", "STATUS", "WEIGHT", "LASTTRANSITIONTIME"], ["podinfo", "Progressing", "20", "2024-05-01T10:00:00Z"]],
            Cells(output));
        Assert.Equal(
            ["NAME", "STATUS", "WEIGHT", "SUSPENDED", "FAILEDCHECKS", "INTERVAL", "MIRROR", "STEPWEIGHT", "STEPWEIGHTS", "MAXWEIGHT", "LASTTRANSITIONTIME"],
            Cells(wide)[0]);
        Assert.Equal(["podinfo", "Progressing", "20", "1", "1m", "10", "50", "2024-05-01T10:00:00Z"], Cells(wide)[1]);
        Assert.Contains(_server.Requests.All, r => r.Path == $"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries" && r.StatusCode == 200);
    }

    [Fact]
    public async Task GetDeploymentsAndServices_PrintKubeApiserversColumns()
    {
        _server.Seed(Objects.Deployment(_ns, "podinfo", replicas: 2));
        _server.Seed(Service(_ns, "podinfo"));

        var deployments = Cells(await _kubectl.OutputOfAsync("get", "deploy", "-n", _ns, "-o", "wide"));
        var services = Cells(await _kubectl.OutputOfAsync("get", "svc", "podinfo", "-n", _ns));

        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], deployments[0]);
        Assert.Equal(["podinfo", "2/2", "2", "2"], deployments[1][..4]);
        Assert.Equal(["podinfo,sidecar", "ghcr.io/stefanprodan/podinfo:6.0.0,busybox:1.36", "app=podinfo"], deployments[1][5..]);
        Assert.Equal(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], services[0]);
        Assert.Equal(["podinfo", "ClusterIP", "10.96.0.12", "<none>", "9898/TCP"], services[1][..5]);
    }

    [Fact]
    public async Task GetEvents_PrintsLastSeenTypeReasonObjectAndMessage()
    {
        _server.Seed(Event(_ns, "podinfo.1", "podinfo", "uid-1", "Synced", "Advance podinfo.test canary weight 20"));

        var rows = Cells(await _kubectl.OutputOfAsync("get", "ev", "-n", _ns));

        Assert.Equal(["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows[0]);
        Assert.Equal(["Normal", "Synced", "canary/podinfo", "Advance", "podinfo.test", "canary", "weight", "20"], rows[1][1..]);
    }

    [Fact]
    public async Task DescribeCanary_ShowsItsEventsOnly()
    {
        var canary = _server.Seed(Canary(_ns, "podinfo"));
        var uid = canary["metadata"]!["uid"]!.GetValue<string>();
        _server.Seed(Event(_ns, "podinfo.1", "podinfo", uid, "Synced", "Advance podinfo.test canary weight 20"));
        _server.Seed(Event(_ns, "other.1", "other", "uid-other", "Synced", "Advance other.test canary weight 40"));

        var output = await _kubectl.OutputOfAsync("describe", "canary", "podinfo", "-n", _ns);

        var events = output[output.IndexOf("Events:", StringComparison.Ordinal)..];
        Assert.Contains("Advance podinfo.test canary weight 20", events, StringComparison.Ordinal);
        Assert.DoesNotContain("other.test", events, StringComparison.Ordinal);
        Assert.Contains("flagger", events, StringComparison.Ordinal);
        Assert.Contains(_server.Requests.All, r => r.Path == $"/api/v1/namespaces/{_ns}/events"
            && Uri.UnescapeDataString(r.Query).Contains($"involvedObject.uid={uid}", StringComparison.Ordinal) && r.StatusCode == 200);
    }

    [Fact]
    public async Task PatchAndDeleteCanary_ChangeTheStoredObject()
    {
        _server.Seed(Canary(_ns, "podinfo"));

        var patched = await _kubectl.OutputOfAsync("patch", "canary", "podinfo", "-n", _ns, "--type", "merge", "-p", """{"spec":{"suspend":true}}""");
        var suspended = _server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo")!["spec"]!["suspend"]!.GetValue<bool>();
        var deleted = await _kubectl.OutputOfAsync("delete", "canary", "podinfo", "-n", _ns);

        Assert.Equal("canary.flagger.app/podinfo patched", patched.Trim());
        Assert.True(suspended);
        Assert.Equal("canary.flagger.app \"podinfo\" deleted", deleted.Trim());
        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    [Fact]
    public async Task GetWatch_PrintsAStatusChangeMadeAfterItStarted_WithoutListingAgain()
    {
        _server.Seed(Canary(_ns, "podinfo", phase: "Progressing", weight: 20));
        using var client = _server.CreateClient();
        using var watch = _kubectl.Start("get", "canaries", "-n", _ns, "-w", "--output-watch-events");

        var first = await watch.LineAsync(line => line.Contains("podinfo", StringComparison.Ordinal));
        await WatchOpenedAsync($"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Succeeded","canaryWeight":0}}""", V1Patch.PatchType.MergePatch),
            "flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        var changed = await watch.LineAsync(line => line.Contains("Succeeded", StringComparison.Ordinal));

        Assert.Equal(["ADDED", "podinfo", "Progressing", "20"], first.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);
        Assert.Equal(["MODIFIED", "podinfo", "Succeeded", "0"], changed.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..4]);
        Assert.Equal(1, _server.Requests.CountWhere(r => r.Path == $"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries"
            && !r.Query.Contains("watch=true", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WaitForConditionPromoted_ReturnsOnceAStatusPatchSetsItTrue()
    {
        _server.Seed(Canary(_ns, "podinfo"));
        using var client = _server.CreateClient();

        var waiting = _kubectl.RunAsync("wait", "--for=condition=promoted", "canary/podinfo", "-n", _ns, "--timeout=10s");
        await WatchOpenedAsync($"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(
                """{"status":{"phase":"Succeeded","conditions":[{"type":"Promoted","status":"True","reason":"Succeeded","message":"Canary analysis completed successfully, promotion finished."}]}}""",
                V1Patch.PatchType.MergePatch),
            "flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        var result = await waiting;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("canary.flagger.app/podinfo condition met", result.Output.Trim());
    }

    [Fact]
    public async Task ApplyWithValidation_CreatesThenConfiguresACanary_ValidatedByTheServer()
    {
        var manifest = Manifest(CanaryYaml(_ns, "stepWeight: 10"));

        var created = await _kubectl.OutputOfAsync("apply", "-f", manifest);
        File.WriteAllText(manifest, CanaryYaml(_ns, "stepWeight: 20"));
        var configured = await _kubectl.OutputOfAsync("apply", "-f", manifest);

        Assert.Equal("canary.flagger.app/podinfo created", created.Trim());
        Assert.Equal("canary.flagger.app/podinfo configured", configured.Trim());
        Assert.Equal(20, _server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo")!["spec"]!["analysis"]!["stepWeight"]!.GetValue<int>());
        Assert.Contains(_server.Requests.All, r => r.Method == "PATCH" && r.Path == $"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries/podinfo"
            && r.Query.Contains("fieldValidation=Strict", StringComparison.Ordinal) && r.StatusCode == 200);
    }

    [Fact]
    public async Task ApplyACanaryWithAnUnknownField_FailsNamingTheField_CreatesNothing()
    {
        var manifest = Manifest(CanaryYaml(_ns, "stepWeight: 10\n    stepWeigth: 5"));

        var result = await _kubectl.RunAsync("apply", "-f", manifest);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.analysis.stepWeigth\"", result.Error, StringComparison.Ordinal);
        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    [Fact]
    public async Task ApplyBuiltInKinds_ValidatesAgainstTheirSchemas_AnUnknownContainerFieldFails()
    {
        var manifest = Manifest(DeploymentYaml(_ns, "podinfo", "image: ghcr.io/stefanprodan/podinfo:6.0.0") + "---\n" + $"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: podinfo-config
              namespace: {_ns}
            data:
              LEVEL: info
            """);
        var typo = Manifest(DeploymentYaml(_ns, "broken", "imagee: ghcr.io/stefanprodan/podinfo:6.0.0"));

        var applied = await _kubectl.OutputOfAsync("apply", "-f", manifest);
        var refused = await _kubectl.RunAsync("apply", "-f", typo);

        Assert.Equal(["deployment.apps/podinfo created", "configmap/podinfo-config created"], applied.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("unknown field \"spec.template.spec.containers[0].imagee\"", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyServerSide_CreatesTheCanary()
    {
        var manifest = Manifest(CanaryYaml(_ns, "stepWeight: 10"));

        var output = await _kubectl.OutputOfAsync("apply", "--server-side", "-f", manifest);

        Assert.Equal("canary.flagger.app/podinfo serverside-applied", output.Trim());
        Assert.NotNull(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    [Fact]
    public async Task ExplainCanarySpecAnalysis_PrintsTheAnalysisFieldsOfTheCrdSchema()
    {
        var output = await _kubectl.OutputOfAsync("explain", "canary.spec.analysis");

        Assert.Contains("KIND:       Canary", output, StringComparison.Ordinal);
        Assert.Contains("FIELD: analysis <Object>", output, StringComparison.Ordinal);
        foreach (var field in new[] { "interval\t<string>", "maxWeight\t<integer>", "stepWeights\t<[]integer>", "metrics\t<[]Object>", "webhooks\t<[]Object>" })
        {
            Assert.Contains(field, output, StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        _kubectl.Dispose();
        foreach (var file in _manifests)
        {
            File.Delete(file);
        }
    }

    private string Manifest(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"flagger-kubectl-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        _manifests.Add(path);
        return path;
    }

    private static string CanaryYaml(string ns, string analysisLine) => $"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: podinfo
          namespace: {ns}
        spec:
          provider: gatewayapi:v1
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: podinfo
          service:
            port: 9898
          analysis:
            interval: 1m
            threshold: 5
            maxWeight: 50
            {analysisLine}
            metrics:
              - name: request-success-rate
                thresholdRange:
                  min: 99
                interval: 1m

        """;

    private static string DeploymentYaml(string ns, string name, string imageLine) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
                - name: podinfod
                  {imageLine}
                  ports:
                    - containerPort: 9898
                      name: http
                  resources:
                    requests:
                      cpu: 100m
                      memory: 64Mi

        """;

    /// <summary>Waits until kubectl has opened its watch on the path (the fake logs a watch when it starts).</summary>
    private async Task WatchOpenedAsync(string path)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!_server.Requests.All.Any(r => r.Path == path && r.Query.Contains("watch=true", StringComparison.Ordinal)))
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>kubectl's table output, each line split on runs of spaces.</summary>
    private static string[][] Cells(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    private static JsonObject Event(string ns, string name, string canary, string uid, string reason, string message) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["involvedObject"] = new JsonObject
        {
            ["apiVersion"] = "flagger.app/v1beta1",
            ["kind"] = "Canary",
            ["name"] = canary,
            ["namespace"] = ns,
            ["uid"] = uid,
        },
        ["reason"] = reason,
        ["message"] = message,
        ["type"] = "Normal",
        ["count"] = 1,
        ["source"] = new JsonObject { ["component"] = "flagger" },
        ["firstTimestamp"] = "2024-05-01T10:00:00Z",
        ["lastTimestamp"] = "2024-05-01T10:00:00Z",
    };

    private static JsonObject Canary(string ns, string name, string phase = "Progressing", int weight = 20) => new()
    {
        ["apiVersion"] = "flagger.app/v1beta1",
        ["kind"] = "Canary",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
            ["analysis"] = new JsonObject { ["interval"] = "1m", ["threshold"] = 5, ["maxWeight"] = 50, ["stepWeight"] = 10 },
        },
        ["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["canaryWeight"] = weight,
            ["failedChecks"] = 1,
            ["lastTransitionTime"] = "2024-05-01T10:00:00Z",
        },
    };

    private static JsonObject Service(string ns, string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["type"] = "ClusterIP",
            ["clusterIP"] = "10.96.0.12",
            ["selector"] = new JsonObject { ["app"] = name },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 9898, ["protocol"] = "TCP", ["targetPort"] = 9898 }),
        },
    };
}
