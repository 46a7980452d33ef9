using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class OpenApiTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task OpenApiV3Root_ListsEachGroupVersionDocument_WhoseCanaryPatchTakesFieldValidation()
    {
        using var http = Authenticated();

        var root = JsonNode.Parse(await http.GetStringAsync("/openapi/v3"))!;
        var url = root["paths"]!["apis/flagger.app/v1beta1"]!["serverRelativeURL"]!.GetValue<string>();
        var document = JsonNode.Parse(await http.GetStringAsync(url))!;

        Assert.Equal(
            ["api/v1", "apis/apps/v1", "apis/autoscaling/v2", "apis/flagger.app/v1beta1", "apis/gateway.networking.k8s.io/v1",
             "apis/gateway.networking.k8s.io/v1alpha2", "apis/gateway.networking.k8s.io/v1beta1", "apis/keda.sh/v1alpha1"],
            root["paths"]!.AsObject().Select(p => p.Key));
        Assert.StartsWith("/openapi/v3/apis/flagger.app/v1beta1?hash=", url, StringComparison.Ordinal);
        var patch = document["paths"]!["/apis/flagger.app/v1beta1/namespaces/{namespace}/canaries/{name}"]!["patch"]!;
        Assert.Equal("Canary", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
        var canary = document["components"]!["schemas"]!["app.flagger.v1beta1.Canary"]!;
        Assert.NotNull(canary["properties"]!["spec"]!["properties"]!["analysis"]!["properties"]!["stepWeight"]);
        Assert.Equal("Canary", canary["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenApiV3_BuiltInDeploymentSchema_HasEveryContainerField()
    {
        using var http = Authenticated();

        var document = JsonNode.Parse(await http.GetStringAsync("/openapi/v3/apis/apps/v1"))!;

        var schemas = document["components"]!["schemas"]!;
        Assert.Equal("#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec",
            schemas["io.k8s.api.apps.v1.Deployment"]!["properties"]!["spec"]!["$ref"]!.GetValue<string>());
        Assert.All(["image", "name", "ports", "resources", "env", "volumeMounts"],
            field => Assert.NotNull(schemas["io.k8s.api.apps.v1.Container"]!["properties"]![field]));
    }

    [Theory]
    [InlineData("application/json", HttpStatusCode.OK)]
    [InlineData("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", HttpStatusCode.NotAcceptable)]
    public async Task OpenApiV2_IsServedAsJson_ProtobufOnlyIsNotAcceptable(string accept, HttpStatusCode expected)
    {
        using var http = Authenticated();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal("2.0", body["swagger"]!.GetValue<string>());
            Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                body["definitions"]!["app.flagger.v1beta1.Canary"]!["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("NotAcceptable", body["reason"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task CreateWithStrictFieldValidation_UnknownFields_400NamingEachOne()
    {
        using var http = Authenticated();

        using var response = await http.PostAsync(
            $"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries?fieldValidation=Strict", CanaryWithTypos());
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            "Canary in version \"v1beta1\" cannot be handled as a Canary: strict decoding error: "
            + "unknown field \"metadata.labelz\", unknown field \"spec.analysis.metrics[0].treshold\"",
            status["message"]!.GetValue<string>());
        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    [Theory]
    [InlineData("?fieldValidation=Warn", 2)]
    [InlineData("", 2)]
    [InlineData("?fieldValidation=Ignore", 0)]
    public async Task CreateWithWarnOrIgnore_Succeeds_WarnsOncePerUnknownField(string query, int warnings)
    {
        using var http = Authenticated();

        using var response = await http.PostAsync($"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries{query}", CanaryWithTypos());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var headers = response.Headers.TryGetValues("Warning", out var values) ? values.ToList() : [];
        Assert.Equal(warnings, headers.Count);
        if (warnings > 0)
        {
            Assert.Contains("299 - \"unknown field \\\"spec.analysis.metrics[0].treshold\\\"\"", headers);
        }
    }

    [Fact]
    public async Task StrategicMergePatchDirectives_AreNotUnknownFields()
    {
        _server.Seed(Objects.Deployment(_ns, "podinfo"));
        using var http = Authenticated();
        using var patch = new StringContent(
            """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"podinfo"}],"containers":[{"name":"podinfo","image":"podinfo:6.1.0"}]}}}}""",
            Encoding.UTF8, "application/strategic-merge-patch+json");

        using var response = await http.PatchAsync($"/apis/apps/v1/namespaces/{_ns}/deployments/podinfo?fieldValidation=Strict", patch);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static StringContent CanaryWithTypos() => new(
        """
        {"apiVersion":"flagger.app/v1beta1","kind":"Canary","metadata":{"name":"podinfo","labelz":{"a":"b"}},
         "spec":{"targetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"podinfo"},
                 "analysis":{"interval":"1m","threshold":5,"metrics":[{"name":"request-success-rate","treshold":99}]}}}
        """,
        Encoding.UTF8,
        "application/json");

    private HttpClient Authenticated()
    {
        var http = _server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
        return http;
    }
}
