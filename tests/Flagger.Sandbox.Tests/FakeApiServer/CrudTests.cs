using Flagger.Testing.Kubernetes;
using System.Net;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class CrudTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task CreateDeployment_NewObject_SetsServerMetadata()
    {
        var client = _server.CreateClient();

        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal(1, created.Metadata.Generation);
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(_ns, created.Metadata.NamespaceProperty);
        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal("ghcr.io/stefanprodan/podinfo:6.0.0", read.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task CreateConfigMap_NameTaken_Throws409AlreadyExistsStatus()
    {
        var client = _server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "settings"), _ns);

        var error = await Assert.ThrowsAsync<HttpOperationException>(
            () => client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "settings"), _ns));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal(("Status", "Failure", "AlreadyExists", 409), (status.Kind, status.Status, status.Reason, status.Code));
        Assert.Equal("settings", status.Details.Name);
    }

    [Fact]
    public async Task ReadSecret_Missing_Throws404NotFoundStatus()
    {
        var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedSecretAsync("nope", _ns));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal(("NotFound", 404, "nope", "secrets"), (status.Reason, status.Code, status.Details.Name, status.Details.Kind));
        Assert.Equal("secrets \"nope\" not found", status.Message);
    }

    [Fact]
    public async Task ListConfigMaps_LabelSelector_ReturnsOnlyMatches()
    {
        var client = _server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "a", new Dictionary<string, string> { ["app"] = "podinfo", ["tier"] = "web" }), _ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "b", new Dictionary<string, string> { ["app"] = "podinfo", ["tier"] = "db" }), _ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "c", new Dictionary<string, string> { ["app"] = "other" }), _ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "d"), _ns);

        async Task<string[]> Names(string selector) =>
            [.. (await client.CoreV1.ListNamespacedConfigMapAsync(_ns, labelSelector: selector)).Items.Select(i => i.Metadata.Name)];

        Assert.Equal(["a", "b"], await Names("app=podinfo"));
        Assert.Equal(["a"], await Names("app==podinfo,tier!=db"));
        Assert.Equal(["a"], await Names("tier in (web, cache)"));
        Assert.Equal(["a", "c"], await Names("tier notin (db),app"));
        Assert.Equal(["c"], await Names("app,tier notin (web,db)"));
        Assert.Equal(["d"], await Names("!app"));
        Assert.Equal(["a", "b", "c", "d"], await Names(""));
    }

    [Fact]
    public async Task ListDeployments_AllNamespaces_ReturnsListWithResourceVersion()
    {
        var client = _server.CreateClient();
        var other = fixture.NewNamespace();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "one"), _ns);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(other, "two"), other);

        var all = await client.AppsV1.ListDeploymentForAllNamespacesAsync(labelSelector: "app in (one,two)");
        var byField = await client.AppsV1.ListNamespacedDeploymentAsync(_ns, fieldSelector: "metadata.name=one");

        Assert.Equal([(_ns, "one"), (other, "two")], all.Items.Select(d => (d.Metadata.NamespaceProperty, d.Metadata.Name)).OrderBy(x => x.Name));
        Assert.False(string.IsNullOrEmpty(all.Metadata.ResourceVersion));
        Assert.Equal("one", Assert.Single(byField.Items).Metadata.Name);
        Assert.Contains(_server.Requests.All, r => r.Path == $"/apis/apps/v1/namespaces/{_ns}/deployments" && r.Query.Contains("watch=false", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReplaceDeployment_StaleResourceVersion_Throws409ConflictStatus()
    {
        var client = _server.CreateClient();
        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);
        var first = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        first.Spec.Replicas = 3;
        await client.AppsV1.ReplaceNamespacedDeploymentAsync(first, "podinfo", _ns);

        created.Spec.Replicas = 5;
        var error = await Assert.ThrowsAsync<HttpOperationException>(
            () => client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "podinfo", _ns));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal(("Conflict", 409), (status.Reason, status.Code));
        Assert.Contains("the object has been modified", status.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Spec.Replicas);
    }

    [Fact]
    public async Task ReplaceService_Missing_Throws404()
    {
        var client = _server.CreateClient();
        var service = new V1Service { Metadata = new V1ObjectMeta { Name = "ghost", NamespaceProperty = _ns }, Spec = new V1ServiceSpec() };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedServiceAsync(service, "ghost", _ns));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact]
    public async Task Update_MetadataOrSpec_GenerationBumpedOnlyBySpecButResourceVersionByBoth()
    {
        var client = _server.CreateClient();
        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);

        var labelled = await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"},"annotations":{"note":"x"}}}""", V1Patch.PatchType.MergePatch), "podinfo", _ns);
        var unchanged = await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.MergePatch), "podinfo", _ns);
        var scaled = await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), "podinfo", _ns);

        Assert.Equal(1, labelled.Metadata.Generation);
        Assert.NotEqual(created.Metadata.ResourceVersion, labelled.Metadata.ResourceVersion);
        Assert.Equal(labelled.Metadata.ResourceVersion, unchanged.Metadata.ResourceVersion);
        Assert.Equal(2, scaled.Metadata.Generation);
        Assert.Equal(created.Metadata.Uid, scaled.Metadata.Uid);
        Assert.Equal(created.Metadata.CreationTimestamp, scaled.Metadata.CreationTimestamp);
    }

    [Fact]
    public async Task CreateService_OwnerReferences_KeptAsGiven()
    {
        var client = _server.CreateClient();
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = "podinfo-canary",
                OwnerReferences = [new V1OwnerReference { ApiVersion = "flagger.app/v1beta1", Kind = "Canary", Name = "podinfo", Uid = "1234", BlockOwnerDeletion = true, Controller = true }],
            },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 9898, Name = "http" }], Selector = new Dictionary<string, string> { ["app"] = "podinfo" } },
        };

        await client.CoreV1.CreateNamespacedServiceAsync(service, _ns);
        var read = await client.CoreV1.ReadNamespacedServiceAsync("podinfo-canary", _ns);

        var owner = Assert.Single(read.Metadata.OwnerReferences);
        Assert.Equal(("Canary", "podinfo", "1234", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));
    }

    [Fact]
    public async Task DeleteConfigMap_ExistingThenMissing_SuccessThen404()
    {
        var client = _server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "gone"), _ns);

        var status = await client.CoreV1.DeleteNamespacedConfigMapAsync("gone", _ns);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.DeleteNamespacedConfigMapAsync("gone", _ns));

        Assert.Equal("Success", status.Status);
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Null(_server.Get("v1", "ConfigMap", _ns, "gone"));
    }

    [Fact]
    public async Task Request_WithoutOrWithWrongToken_Returns401Status()
    {
        using var anonymous = _server.CreateHttpClient();
        var config = _server.CreateClientConfiguration();
        config.AccessToken = "wrong";
        using var wrongToken = new k8s.Kubernetes(config);

        using var response = await anonymous.GetAsync($"/api/v1/namespaces/{_ns}/configmaps");
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => wrongToken.CoreV1.ListNamespacedConfigMapAsync(_ns));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("Status", "Unauthorized", 401), (status["kind"]!.GetValue<string>(), status["reason"]!.GetValue<string>(), status["code"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);
    }

    [Fact]
    public async Task Seed_TypedObject_VisibleToClientAndReadableTyped()
    {
        _server.Seed(Objects.ConfigMap(_ns, "seeded"));
        _server.Seed(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "token", ["namespace"] = _ns },
            ["data"] = new JsonObject { ["token"] = "c2VjcmV0" },
        });
        var client = _server.CreateClient();

        var map = await client.CoreV1.ReadNamespacedConfigMapAsync("seeded", _ns);
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("token", _ns);

        Assert.Equal("value", map.Data["key"]);
        Assert.Equal("secret"u8.ToArray(), secret.Data["token"]);
        Assert.Equal("value", _server.Get<V1ConfigMap>(_ns, "seeded")!.Data["key"]);
    }
}
