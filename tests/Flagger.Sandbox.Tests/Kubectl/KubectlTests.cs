using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Sandbox.Tests.FakeApiServer;
using Flagger.Testing.Kubernetes;

namespace Flagger.Sandbox.Tests.Kubectl;

/// <summary>The real kubectl against the fake API server's own kubeconfig, unchanged.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class KubectlTests(FakeApiServerFixture fixture) : IDisposable
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();
    private readonly KubectlRunner _kubectl = new(fixture.Server.KubeconfigPath);

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

    public void Dispose() => _kubectl.Dispose();

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
