using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary>Small builders for the objects these tests create.</summary>
internal static class Objects
{
    public static V1Deployment Deployment(string ns, string name, string image = "ghcr.io/stefanprodan/podinfo:6.0.0", int? replicas = 2) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = name,
                            Image = image,
                            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 9898 }],
                            Env = [new V1EnvVar { Name = "LEVEL", Value = "info" }],
                        },
                        new V1Container { Name = "sidecar", Image = "busybox:1.36" },
                    ],
                },
            },
        },
    };

    public static V1ConfigMap ConfigMap(string ns, string name, IDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Data = new Dictionary<string, string> { ["key"] = "value" },
    };

    public static Dictionary<string, object> Canary(string ns, string name) => new()
    {
        ["apiVersion"] = "flagger.app/v1beta1",
        ["kind"] = "Canary",
        ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new Dictionary<string, object>
        {
            ["targetRef"] = new Dictionary<string, object> { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
            ["analysis"] = new Dictionary<string, object> { ["interval"] = "1m", ["threshold"] = 5, ["maxWeight"] = 50, ["stepWeight"] = 10 },
        },
    };

    public static Dictionary<string, object> HttpRoute(string apiVersion, string ns, string name, params string[] gateways) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = "HTTPRoute",
        ["metadata"] = new Dictionary<string, object> { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new Dictionary<string, object>
        {
            ["parentRefs"] = gateways.Select(g => new Dictionary<string, object> { ["name"] = g, ["namespace"] = "istio-ingress" }).ToArray(),
            ["hostnames"] = new[] { "app.example.com" },
            ["rules"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["backendRefs"] = new[]
                    {
                        new Dictionary<string, object> { ["name"] = name + "-primary", ["port"] = 9898, ["weight"] = 100 },
                        new Dictionary<string, object> { ["name"] = name + "-canary", ["port"] = 9898, ["weight"] = 0 },
                    },
                },
            },
        },
    };
}
