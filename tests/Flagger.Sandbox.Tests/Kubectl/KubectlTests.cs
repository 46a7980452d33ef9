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

    public void Dispose() => _kubectl.Dispose();
}
