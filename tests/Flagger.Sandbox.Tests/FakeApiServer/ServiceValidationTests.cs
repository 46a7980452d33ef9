using System.Net;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary>kube-apiserver's checks on Service ports: unique (port, protocol), unique names, names when there are several.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class ServiceValidationTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task CreateService_TwoTcpPortsOnOneNumber_Throws422Invalid()
    {
        var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedServiceAsync(
            Service(Port("http", 8080), Port("http-metrics", 8080)), _ns));

        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal("Invalid", status.Reason);
        Assert.StartsWith("Service \"podinfo\" is invalid: spec.ports[1]: Duplicate value", status.Message, StringComparison.Ordinal);
        Assert.Null(_server.Get<V1Service>(_ns, "podinfo"));
    }

    [Fact]
    public async Task ReplaceService_DuplicatePortName_Throws422AndKeepsTheStoredService()
    {
        var client = _server.CreateClient();
        var created = await client.CoreV1.CreateNamespacedServiceAsync(Service(Port("http", 80), Port("metrics", 8080)), _ns);
        created.Spec.Ports[1].Name = "http";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedServiceAsync(created, "podinfo", _ns));

        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        Assert.Contains("spec.ports[1].name: Duplicate value: \"http\"", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Message, StringComparison.Ordinal);
        Assert.Equal("metrics", _server.Get<V1Service>(_ns, "podinfo")!.Spec.Ports[1].Name);
    }

    [Fact]
    public async Task CreateService_SamePortNumberOverTcpAndUdp_IsAccepted()
    {
        var client = _server.CreateClient();

        await client.CoreV1.CreateNamespacedServiceAsync(Service(Port("dns-tcp", 53), Port("dns-udp", 53, "UDP")), _ns);

        Assert.Equal(2, _server.Get<V1Service>(_ns, "podinfo")!.Spec.Ports.Count);
    }

    [Fact]
    public async Task CreateService_TwoPortsOneUnnamed_Throws422()
    {
        var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedServiceAsync(
            Service(Port("http", 80), Port(null, 8080)), _ns));

        Assert.Contains("spec.ports[1].name: Required value", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Message, StringComparison.Ordinal);
    }

    private V1Service Service(params V1ServicePort[] ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = _ns },
        Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "podinfo" }, Ports = ports },
    };

    private static V1ServicePort Port(string? name, int number, string protocol = "TCP") =>
        new() { Name = name, Port = number, Protocol = protocol, TargetPort = number };
}
