using Flagger.Rollouts;
using Flagger.Sandbox.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Flagger.Functions.Tests;

/// <summary>The Function App's services as <c>AddFlagger</c> composes them, on the sample settings against a fake API server.</summary>
internal static class FunctionAppComposition
{
    public static IHost Build(FakeKubernetesApiServer cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = cluster.KubeconfigPath,
            ["StateStore:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Prometheus:Address"] = "http://127.0.0.1:9090",
        });
        builder.Services.AddFlagger();
        return builder.Build();
    }
}
