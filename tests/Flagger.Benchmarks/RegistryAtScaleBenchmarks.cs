using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Flagger.Infrastructure.Registry;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using Flagger.Testing.Registry;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flagger.Benchmarks;

/// <summary>
/// A push at scale (issue 12, P1): the registry webhook with the real catalog over the fake Kubernetes API server
/// on loopback, holding N initialised canaries, each with its own repository, target and primary Deployment.
/// One push patches one target and signals its rollout (a fresh event id and a higher tag each time, so every
/// invocation takes the accepting path); a batch is 1,000 such events in one delivery, spread over the canaries.
/// The delivery record is kept in memory: Table Storage's write is not part of this figure.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PercentilesConfig))]
public class RegistryAtScaleBenchmarks
{
    private const string Host = "contosoacr.azurecr.io";

    private FakeKubernetesApiServer _server = null!;
    private RegistryWebhook _webhook = null!;
    private int _pushes;

    [Params(10, 100, 500)]
    public int Canaries { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        const string ns = "apps";
        for (var i = 0; i < Canaries; i++)
        {
            var image = $"{Host}/app{i}:1.0.0";
            _server.Seed(TestDeployments.Of(ns, $"app{i}", new V1Container { Name = "app", Image = image }));
            _server.Seed(TestDeployments.Of(ns, $"app{i}-primary", new V1Container { Name = "app", Image = image }));
            _server.Seed(System.Text.Json.Nodes.JsonNode.Parse($$"""
                {
                  "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
                  "metadata": { "name": "app{{i}}", "namespace": "{{ns}}" },
                  "spec": {
                    "targetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "app{{i}}" },
                    "service": { "port": 9898, "gatewayRefs": [{ "name": "public", "namespace": "gateway-system" }] },
                    "analysis": { "interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10 }
                  },
                  "status": { "phase": "Initialized" }
                }
                """)!.AsObject());
        }

        var options = Options.Create(new RegistryOptions { WatchNamespaces = ns });
        _webhook = new RegistryWebhook(
            new KubernetesCanaryCatalog(_server.CreateClient(), options, new RecordingEventRecorder(), NullLogger<KubernetesCanaryCatalog>.Instance),
            new RecordingRolloutScheduler(),
            new InMemoryRolloutStore(),
            options,
            TimeProvider.System,
            NullLogger<RegistryWebhook>.Instance);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _server.DisposeAsync();

    [Benchmark]
    public async Task<int> OnePush()
    {
        var n = Interlocked.Increment(ref _pushes);
        var response = await _webhook.HandleAsync(Request($"[{Event(n, n % Canaries)}]"), CancellationToken.None);
        return response.Status == 200 ? response.Status : throw new InvalidOperationException($"answered {response.Status}: {response.Body}");
    }

    [Benchmark(OperationsPerInvoke = 1)]
    public async Task<int> BatchOf1000()
    {
        var events = new StringBuilder("[");
        for (var k = 0; k < 1000; k++)
        {
            var n = Interlocked.Increment(ref _pushes);
            events.Append(k == 0 ? "" : ",").Append(Event(n, n % Canaries));
        }

        var response = await _webhook.HandleAsync(Request(events.Append(']').ToString()), CancellationToken.None);
        return response.Status == 200 ? response.Status : throw new InvalidOperationException($"answered {response.Status}: {response.Body}");
    }

    private static RegistryRequest Request(string body) =>
        new("POST", new Dictionary<string, string> { ["Content-Type"] = "application/json" }, Encoding.UTF8.GetBytes(body));

    private static string Event(int n, int app) => $$"""
        {
          "id": "push-{{n}}", "topic": "/subscriptions/0/resourceGroups/delivery/providers/Microsoft.ContainerRegistry/registries/contosoacr",
          "subject": "app{{app}}:1.0.{{n}}", "eventType": "Microsoft.ContainerRegistry.ImagePushed", "eventTime": "2026-12-01T09:00:00Z",
          "data": { "id": "d-{{n}}", "timestamp": "2026-12-01T09:00:00Z", "action": "push",
            "target": { "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "sha256:{{n:D64}}", "length": 1, "repository": "app{{app}}", "tag": "1.0.{{n}}" },
            "request": { "id": "r-{{n}}", "host": "{{Host}}", "method": "PUT", "useragent": "bench" } },
          "dataVersion": "1.0", "metadataVersion": "1"
        }
        """;

    private sealed class PercentilesConfig : ManualConfig
    {
        public PercentilesConfig() => AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
    }
}
