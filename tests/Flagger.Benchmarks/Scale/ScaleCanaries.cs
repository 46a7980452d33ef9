using System.Net;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Sandbox;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Benchmarks.Scale;

/// <summary>
/// The N canaries of a scale run, created through the sandbox's API server like a user would: a ConfigMap and a Deployment
/// with its own image repository (so one push is one canary) and a progressive Canary with one metric that
/// always passes (<c>sum(up)</c> of the sandbox's scrape job is 1 once Prometheus has scraped it).
/// </summary>
public sealed class ScaleCanaries(IKubernetes client, ScaleOptions options)
{
    public const string InitialTag = "1.0.0";
    public const string PushedTag = "1.1.0";

    public static string NameOf(int index) => $"app-{index:D4}";

    public static string RepositoryOf(int index) => $"scale/{NameOf(index)}";

    public string Namespace => options.Namespace;

    public IEnumerable<string> Names => Enumerable.Range(0, options.Canaries).Select(NameOf);

    public async Task CreateAsync(CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Canaries), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (index, token) =>
        {
            var name = NameOf(index);
            // The sample Deployment takes its environment from this ConfigMap: a tracked config, as in the demo.
            var config = KubernetesJson.Deserialize<V1ConfigMap>(SampleApp.ConfigMap(options.Namespace, name).ToJsonString());
            await CreateOrKeepAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(config, options.Namespace, cancellationToken: token));
            var deployment = KubernetesJson.Deserialize<V1Deployment>(
                SampleApp.Deployment(options.Namespace, name, $"{RegistryPush.Registry}/{RepositoryOf(index)}:{InitialTag}", replicas: 1).ToJsonString());
            await CreateOrKeepAsync(() => client.AppsV1.CreateNamespacedDeploymentAsync(deployment, options.Namespace, cancellationToken: token));
            await CreateOrKeepAsync(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(
                Canary(name), FlaggerApi.Group, FlaggerApi.Version, options.Namespace, Core.Model.Canary.KubePlural, cancellationToken: token));
        });

    /// <summary>Every Canary of the run as the API server has it now (one list call).</summary>
    public async Task<IReadOnlyDictionary<string, CanaryPhase?>> PhasesAsync(CancellationToken cancellationToken)
    {
        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<CanaryList>(
            FlaggerApi.Group, FlaggerApi.Version, options.Namespace, Core.Model.Canary.KubePlural, cancellationToken: cancellationToken);
        return list.Items.ToDictionary(c => c.Metadata.Name, c => c.Status?.Phase, StringComparer.Ordinal);
    }

    private JsonObject Canary(string name) => new()
    {
        ["apiVersion"] = $"{FlaggerApi.Group}/{FlaggerApi.Version}",
        ["kind"] = "Canary",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = options.Namespace },
        ["spec"] = new JsonObject
        {
            ["provider"] = SampleApp.Provider,
            ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
            // Generous: a deadline missed because the host lags would end the run as Failed, not as a measurement.
            ["progressDeadlineSeconds"] = 3600,
            ["service"] = new JsonObject
            {
                ["port"] = SampleApp.Port,
                ["targetPort"] = SampleApp.Port,
                ["gatewayRefs"] = new JsonArray(new JsonObject { ["name"] = SampleApp.GatewayName, ["namespace"] = SampleApp.GatewayNamespace }),
            },
            ["analysis"] = new JsonObject
            {
                ["interval"] = SampleApp.Duration(options.Interval),
                ["threshold"] = 5,
                ["stepWeight"] = options.StepWeight,
                ["maxWeight"] = options.MaxWeight,
                ["metrics"] = new JsonArray(new JsonObject
                {
                    ["name"] = "sandbox-scrape-up",
                    ["query"] = "sum(up{job=\"sandbox-pods\"})",
                    ["thresholdRange"] = new JsonObject { ["min"] = 1, ["max"] = 1 },
                    ["interval"] = "1m",
                }),
            },
        },
    };

    /// <summary>A rerun against the same sandbox finds its objects already there: that is fine.</summary>
    private static async Task CreateOrKeepAsync(Func<Task> create)
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }
}
