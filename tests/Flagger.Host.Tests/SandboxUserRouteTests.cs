using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Host.Testing;
using Flagger.Infrastructure.GatewayApi;
using Flagger.Sandbox;
using Flagger.Testing.Azurite;
using k8s;
using k8s.Autorest;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Host.Tests;

/// <summary>
/// A Canary attached to an HTTPRoute the user wrote before it (<c>spec.routeRef</c>), end to end in the sandbox:
/// live traffic through the user's route, judged by the builtin metrics from a real Prometheus. A registry push
/// rolls out and promotes, the user edits the route mid-rollout, and the route ends as the user wrote it.
/// </summary>
public sealed class SandboxUserRouteTests : IAsyncLifetime
{
    private const string App = "shop";
    private const string Route = "storefront";

    private AzuriteServer _azurite = null!;
    private WebApplication _host = null!;
    private HttpClient _http = null!;

    private SandboxCluster Sandbox => _host.Services.GetRequiredService<SandboxCluster>();

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        _host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["StateStore:ConnectionString"] = _azurite.ConnectionString,
            ["Sandbox:Enabled"] = "true",
            ["Host:TaskHubName"] = "sandboxuserroute",
            ["Host:SweepInterval"] = "00:00:02",
        });
        _http = new HttpClient { BaseAddress = TestHost.AddressOf(_host) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    /// <summary>The user's route: a rule of their own for another Service, and the shop's rule with a timeout and a header filter.</summary>
    private JsonObject UserRoute() => JsonNode.Parse($$"""
        {
          "apiVersion": "gateway.networking.k8s.io/v1",
          "kind": "HTTPRoute",
          "metadata": { "name": "{{Route}}", "namespace": "{{Sandbox.Namespace}}", "labels": { "team": "web" } },
          "spec": {
            "parentRefs": [ { "name": "{{SampleApp.GatewayName}}", "namespace": "{{SampleApp.GatewayNamespace}}" } ],
            "hostnames": [ "shop.contoso.example" ],
            "rules": [
              {
                "matches": [ { "path": { "type": "PathPrefix", "value": "/legacy" } } ],
                "backendRefs": [ { "name": "legacy", "port": 8080 } ]
              },
              {
                "matches": [ { "path": { "type": "PathPrefix", "value": "/" } } ],
                "filters": [ { "type": "RequestHeaderModifier", "requestHeaderModifier": { "set": [ { "name": "x-via", "value": "storefront" } ] } } ],
                "timeouts": { "request": "15s" },
                "backendRefs": [ { "name": "{{App}}", "port": {{SampleApp.Port}} } ]
              }
            ]
          }
        }
        """)!.AsObject();

    /// <summary>The sandbox's progressive sample Canary for the shop, attached to the user's route instead of generating one.</summary>
    private JsonObject ShopCanary()
    {
        var canary = SampleApp.Canary(Sandbox.Namespace, SampleVariant.Progressive, Sandbox.Options);
        canary["metadata"]!["name"] = App;
        canary["spec"]!["targetRef"]!["name"] = App;
        canary["spec"]!["analysis"]!["stepWeight"] = 25;
        var service = canary["spec"]!["service"]!.AsObject();
        service.Remove("hosts");
        service.Remove("gatewayRefs");
        canary["spec"]!["routeRef"] = new JsonObject { ["apiVersion"] = "gateway.networking.k8s.io/v1", ["kind"] = "HTTPRoute", ["name"] = Route };
        return canary;
    }

    private JsonObject LiveRoute() => Sandbox.ApiServer.Get("gateway.networking.k8s.io/v1", "HTTPRoute", Sandbox.Namespace, Route)!;

    private async Task UntilAsync(Func<CanaryView, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Sandbox.View(App)))
        {
            var view = Sandbox.View(App);
            Assert.True(DateTime.UtcNow < deadline, $"timed out; phase {view.Phase}, weight {view.CanaryWeight}; events: " +
                string.Join(" | ", Sandbox.ApiServer.List("v1", "Event", Sandbox.Namespace).Select(e => (string?)e["message"]).Where(m => m?.Contains(App, StringComparison.Ordinal) == true).TakeLast(8)));
            await Task.Delay(500);
        }
    }

    /// <summary>A user's edit as kubectl makes it: read, change, replace; again on a conflict with the controller.</summary>
    private async Task EditRouteAsync(Action<JsonObject> change)
    {
        using var client = Sandbox.CreateClient();
        for (var attempt = 0; ; attempt++)
        {
            var route = JsonNode.Parse(((System.Text.Json.JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(
                "gateway.networking.k8s.io", "v1", Sandbox.Namespace, "httproutes", Route)).GetRawText())!.AsObject();
            change(route);
            try
            {
                await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(route, "gateway.networking.k8s.io", "v1", Sandbox.Namespace, "httproutes", Route);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }
    }

    [Fact]
    public async Task RegistryPush_CanaryOnTheUsersRoute_PromotesAndGivesTheRouteBackAsTheUserWroteIt()
    {
        var ns = Sandbox.Namespace;
        Sandbox.ApiServer.Seed(SampleApp.ConfigMap(ns, App));
        Sandbox.ApiServer.Seed(SampleApp.Deployment(ns, App, "contosoacr.azurecr.io/shop:6.0.0", replicas: 2));
        var written = Sandbox.ApiServer.Seed(UserRoute());
        Sandbox.Traffic.AddRoute(ns, Route);
        Sandbox.ApiServer.Seed(ShopCanary());
        await UntilAsync(v => v.Phase == CanaryPhase.Initialized, TimeSpan.FromSeconds(90));
        Assert.True(JsonNode.DeepEquals(written["spec"], LiveRoute()["spec"]), LiveRoute()["spec"]!.ToJsonString());

        var pushed = await _http.PostAsync("/api/registry/events", new StringContent(RegistryPush.EventGridEvent(App, "6.1.0"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        await UntilAsync(v => v.Phase == CanaryPhase.Progressing && v.CanaryWeight > 0, TimeSpan.FromSeconds(90));

        // Mid-rollout the user edits fields of their own on the route Flagger is shifting.
        await EditRouteAsync(route =>
        {
            route["spec"]!["hostnames"]!.AsArray().Add("www.shop.contoso.example");
            route["spec"]!["rules"]![1]!["timeouts"]!["request"] = "20s";
            route["metadata"]!["labels"]!["tier"] = "frontend";
        });
        var attached = LiveRoute();
        Assert.Contains(attached["spec"]!["rules"]![1]!["backendRefs"]!.AsArray(), b => (string?)b!["name"] == "shop-canary" && b["weight"]!.GetValue<int>() > 0);
        Assert.NotNull(attached["metadata"]!["annotations"]?[UserRouteSpec.OriginalBackendsAnnotation]);

        await UntilAsync(v => v.Phase == CanaryPhase.Succeeded, TimeSpan.FromMinutes(3));

        var live = LiveRoute();
        var expected = written["spec"]!.DeepClone();
        expected["hostnames"]!.AsArray().Add("www.shop.contoso.example");
        expected["rules"]![1]!["timeouts"]!["request"] = "20s";
        Assert.True(JsonNode.DeepEquals(expected, live["spec"]), live["spec"]!.ToJsonString());
        Assert.Equal("frontend", (string?)live["metadata"]!["labels"]!["tier"]);
        Assert.Null(live["metadata"]!["annotations"]?[UserRouteSpec.OriginalBackendsAnnotation]);
        Assert.Null(live["metadata"]!["ownerReferences"]);
        Assert.StartsWith("contosoacr.azurecr.io/shop:6.1.0@sha256:", Sandbox.View(App).Primary?.Image, StringComparison.Ordinal);

        // The canary's pods were reached through the user's route while it carried weight.
        var canaryPods = Sandbox.Traffic.Snapshot().Pods.Where(p => p.Deployment == App && p.Image.Contains("6.1.0", StringComparison.Ordinal));
        Assert.True(canaryPods.Sum(p => p.Requests) > 0, "no request reached the canary through the user's route");
    }
}
