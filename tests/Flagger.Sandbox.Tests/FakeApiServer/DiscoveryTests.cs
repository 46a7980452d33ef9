using Flagger.Testing.Kubernetes;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using k8s;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class DiscoveryTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();

    [Fact]
    public async Task Version_ThroughClient_ReportsKubernetesVersion()
    {
        var client = _server.CreateClient();

        var version = await client.Version.GetCodeAsync();

        Assert.Equal(("1", "31"), (version.Major, version.Minor));
    }

    [Fact]
    public async Task CoreAndAppsResources_ThroughClient_ListServedResources()
    {
        var client = _server.CreateClient();

        var core = await client.CoreV1.GetAPIResourcesAsync();
        var apps = await client.AppsV1.GetAPIResourcesAsync();
        var versions = await client.Core.GetAPIVersionsAsync();

        Assert.Equal(["configmaps", "events", "namespaces", "secrets", "services"], core.Resources.Select(r => r.Name).Order());
        Assert.Equal(["deployments", "deployments/status"], apps.Resources.Select(r => r.Name));
        Assert.Contains("patch", apps.Resources[0].Verbs);
        Assert.Equal("Deployment", apps.Resources[0].Kind);
        Assert.True(apps.Resources[0].Namespaced);
        Assert.Equal(["v1"], versions.Versions);
    }

    [Fact]
    public async Task Groups_ThroughClient_IncludeGatewayWithThreeVersions()
    {
        var client = _server.CreateClient();

        var groups = await client.Apis.GetAPIVersionsAsync();

        var gateway = Assert.Single(groups.Groups, g => g.Name == "gateway.networking.k8s.io");
        Assert.Equal(["v1", "v1beta1", "v1alpha2"], gateway.Versions.Select(v => v.Version));
        Assert.Contains(groups.Groups, g => g.Name == "flagger.app" && g.PreferredVersion.Version == "v1beta1");
        Assert.Contains(groups.Groups, g => g.Name == "autoscaling" && g.PreferredVersion.Version == "v2");
    }

    [Theory]
    [InlineData("/apis/gateway.networking.k8s.io/v1alpha2", "httproutes", "HTTPRoute")]
    [InlineData("/apis/flagger.app/v1beta1", "canaries", "Canary")]
    [InlineData("/apis/autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler")]
    [InlineData("/apis/gateway.networking.k8s.io/v1", "grpcroutes", "GRPCRoute")]
    [InlineData("/apis/keda.sh/v1alpha1", "scaledobjects", "ScaledObject")]
    public async Task GroupVersionResources_RawGet_DescribeResourceAndStatusSubresource(string path, string plural, string kind)
    {
        using var http = _server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);

        var list = JsonNode.Parse(await http.GetStringAsync(path))!;

        Assert.Equal("APIResourceList", list["kind"]!.GetValue<string>());
        var resources = list["resources"]!.AsArray();
        Assert.Contains(resources, r => r!["name"]!.GetValue<string>() == plural && r["kind"]!.GetValue<string>() == kind);
        Assert.Contains(resources, r => r!["name"]!.GetValue<string>() == plural + "/status");
    }

    [Fact]
    public void WriteKubeconfig_OtherPath_HoldsHttpsServerItsCaTokenAndContext()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        try
        {
            _server.WriteKubeconfig(path);
            var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(path);

            Assert.Equal(_server.BaseAddress.ToString().TrimEnd('/'), config.Host.TrimEnd('/'));
            Assert.StartsWith("https://127.0.0.1:", config.Host, StringComparison.Ordinal);
            Assert.Equal(_server.CertificateAuthority.Thumbprint, Assert.Single(config.SslCaCerts).Thumbprint);
            Assert.Equal(_server.Token, config.AccessToken);
            Assert.Equal("default", config.Namespace);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
