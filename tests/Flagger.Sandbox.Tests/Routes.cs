using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Infrastructure.GatewayApi;
using Flagger.Sandbox.Kubernetes;
using k8s;

namespace Flagger.Sandbox.Tests;

/// <summary>
/// The objects Flagger creates when it initializes a sample Canary, built with Flagger.Infrastructure's own
/// <see cref="HttpRouteSpec"/>, so the simulator is tested against the routes Flagger really writes.
/// </summary>
internal static class Routes
{
    public static Canary Canary(string ns, SampleVariant variant, SandboxOptions? options = null) =>
        KubernetesJson.Deserialize<Canary>(SampleApp.Canary(ns, variant, options ?? new SandboxOptions()).ToJsonString());

    /// <summary>Primary Deployment, the primary and canary Services, and the HTTPRoute with the given split.</summary>
    public static void Initialize(FakeKubernetesApiServer server, Canary canary, string primaryImage, int primaryWeight, int canaryWeight, bool mirrored = false)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var app = canary.Spec.TargetRef.Name;
        server.Seed(SampleApp.Deployment(ns, app + "-primary", primaryImage, 2));
        server.Seed(Service(ns, app + "-primary", app + "-primary"));
        server.Seed(Service(ns, app + "-canary", app));
        SetRoute(server, canary, primaryWeight, canaryWeight, mirrored);
    }

    public static void SetRoute(FakeKubernetesApiServer server, Canary canary, int primaryWeight, int canaryWeight, bool mirrored = false)
    {
        var spec = HttpRouteSpec.Build(canary, GatewayApiVersion.ForProvider(canary.Spec.Provider), primaryWeight, canaryWeight, mirrored);
        if (server.Get("gateway.networking.k8s.io/v1", "HTTPRoute", canary.Metadata.NamespaceProperty, canary.Spec.TargetRef.Name) is { } existing)
        {
            existing["spec"] = spec;
            using var client = server.CreateClient();
            client.CustomObjects.ReplaceNamespacedCustomObject(
                existing, "gateway.networking.k8s.io", "v1", canary.Metadata.NamespaceProperty, "httproutes", canary.Spec.TargetRef.Name);
            return;
        }

        server.Seed(new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "HTTPRoute",
            ["metadata"] = new JsonObject { ["name"] = canary.Spec.TargetRef.Name, ["namespace"] = canary.Metadata.NamespaceProperty },
            ["spec"] = spec,
        });
    }

    public static JsonObject Service(string ns, string name, string app) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = app },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = SampleApp.Port, ["targetPort"] = SampleApp.Port }),
        },
    };

    /// <summary>Scales a Deployment through the API, as Flagger does.</summary>
    public static void Scale(FakeKubernetesApiServer server, string ns, string name, int replicas)
    {
        using var client = server.CreateClient();
        client.AppsV1.PatchNamespacedDeployment(
            new k8s.Models.V1Patch($$$"""{"spec":{"replicas":{{{replicas}}}}}""", k8s.Models.V1Patch.PatchType.MergePatch), name, ns);
    }
}
