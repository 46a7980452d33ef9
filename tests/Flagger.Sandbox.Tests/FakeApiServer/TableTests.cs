using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class TableTests(FakeApiServerFixture fixture)
{
    private const string TableMediaType = "application/json;as=Table;v=v1;g=meta.k8s.io";
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Theory]
    [InlineData(null, "PartialObjectMetadata")]
    [InlineData("Metadata", "PartialObjectMetadata")]
    [InlineData("Object", "ConfigMap")]
    public async Task ListWithTableAccept_AnswersATableWhoseRowsCarryTheAskedObject(string? includeObject, string objectKind)
    {
        _server.Seed(Objects.ConfigMap(_ns, "settings"));
        using var http = Authenticated(TableMediaType + ",application/json");

        var table = JsonNode.Parse(await http.GetStringAsync(
            $"/api/v1/namespaces/{_ns}/configmaps" + (includeObject is null ? "" : $"?includeObject={includeObject}")))!;

        Assert.Equal(("Table", "meta.k8s.io/v1"), (table["kind"]!.GetValue<string>(), table["apiVersion"]!.GetValue<string>()));
        Assert.Equal(["Name", "Data", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var row = Assert.Single(table["rows"]!.AsArray())!;
        Assert.Equal("settings", row["cells"]![0]!.GetValue<string>());
        Assert.Equal(1, row["cells"]![1]!.GetValue<int>());
        Assert.Equal(objectKind, row["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("settings", row["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(table["metadata"]!["resourceVersion"]!.GetValue<string>()));
    }

    [Fact]
    public async Task GetCanaryAsTable_MissingStatusFieldsAreNullCells_IntegerColumnsText()
    {
        _server.Seed(new JsonObject
        {
            ["apiVersion"] = "flagger.app/v1beta1",
            ["kind"] = "Canary",
            ["metadata"] = new JsonObject { ["name"] = "podinfo", ["namespace"] = _ns },
            ["spec"] = new JsonObject { ["analysis"] = new JsonObject { ["stepWeights"] = new JsonArray(10, 20) } },
            ["status"] = new JsonObject { ["canaryWeight"] = 10 },
        });
        using var http = Authenticated(TableMediaType);

        var table = JsonNode.Parse(await http.GetStringAsync($"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries/podinfo"))!;

        var names = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        var cells = Assert.Single(table["rows"]!.AsArray())!["cells"]!.AsArray();
        Assert.Equal(names.Count, cells.Count);
        Assert.Null(cells[names.IndexOf("Status")]);
        Assert.Equal("10", cells[names.IndexOf("Weight")]!.GetValue<string>());
        Assert.Equal("[10 20]", cells[names.IndexOf("StepWeights")]!.GetValue<string>());
        Assert.Equal(1, table["columnDefinitions"]![names.IndexOf("StepWeights")]!["priority"]!.GetValue<int>());
    }

    private HttpClient Authenticated(string accept)
    {
        var http = _server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
        http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);
        return http;
    }
}
