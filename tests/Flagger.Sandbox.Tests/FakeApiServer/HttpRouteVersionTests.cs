using Flagger.Testing.Kubernetes;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class HttpRouteVersionTests(FakeApiServerFixture fixture)
{
    private const string Group = "gateway.networking.k8s.io";

    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    public static TheoryData<string, string> VersionPairs => new()
    {
        { "v1", "v1beta1" },
        { "v1beta1", "v1alpha2" },
        { "v1alpha2", "v1" },
    };

    [Theory]
    [MemberData(nameof(VersionPairs))]
    public async Task GetHttpRoute_CreatedInOtherVersion_SameObjectInRequestedVersion(string createdIn, string readIn)
    {
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Objects.HttpRoute($"{Group}/{createdIn}", _ns, "podinfo", "gw"), Group, createdIn, _ns, "httproutes");

        var read = Node(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, readIn, _ns, "httproutes", "podinfo"));
        var list = Node(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, readIn, _ns, "httproutes"));

        Assert.Equal($"{Group}/{readIn}", read["apiVersion"]!.GetValue<string>());
        Assert.Equal("podinfo-primary", read["spec"]!["rules"]![0]!["backendRefs"]![0]!["name"]!.GetValue<string>());
        Assert.Equal($"{Group}/{readIn}", list["apiVersion"]!.GetValue<string>());
        Assert.Equal($"{Group}/{readIn}", Assert.Single(list["items"]!.AsArray())!["apiVersion"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1beta1")]
    [InlineData("v1alpha2")]
    public async Task UpdateHttpRouteWeights_EachVersion_GuardedByResourceVersion(string version)
    {
        var client = _server.CreateClient();
        var created = Node(await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Objects.HttpRoute($"{Group}/{version}", _ns, "podinfo", "gw"), Group, version, _ns, "httproutes"));
        var weights = """[{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":90},{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":10}]""";

        var patched = Node(await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(weights, V1Patch.PatchType.JsonPatch), Group, version, _ns, "httproutes", "podinfo"));
        var stale = created.DeepClone();
        stale["spec"]!["hostnames"] = new JsonArray("other.example.com");
        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            stale, Group, version, _ns, "httproutes", "podinfo"));

        Assert.Equal(10, patched["spec"]!["rules"]![0]!["backendRefs"]![1]!["weight"]!.GetValue<int>());
        Assert.Equal(2, patched["metadata"]!["generation"]!.GetValue<int>());
        Assert.Equal(System.Net.HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task GetHttpRoute_UnservedVersion_Throws404()
    {
        var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(
            () => client.CustomObjects.GetNamespacedCustomObjectAsync(Group, "v2", _ns, "httproutes", "podinfo"));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    private static JsonNode Node(object answer) => JsonSerializer.SerializeToNode(answer)!;
}
