using System.Text;
using BenchmarkDotNet.Attributes;
using Flagger.Core.Ports;
using Flagger.Core.Registry;
using Flagger.Infrastructure.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flagger.Benchmarks;

/// <summary>
/// The registry webhook's own cost for one ImagePushed event, with in-memory ports that answer at once:
/// schema detection and parsing with Azure.Messaging.EventGrid, matching five canaries' containers, the image
/// policy, the patch and signal calls, the delivery record and the JSON report. The ports keep no state, so
/// every invocation takes the accepting path. Parsing and the policy are also measured on their own.
/// </summary>
[MemoryDiagnoser]
public class RegistryWebhookBenchmarks
{
    private const string Repo = "contosoacr.azurecr.io/podinfo";

    private static readonly string s_eventGrid = """
        [{
          "id": "2f2c6d0e-6a1b-4a07-9f3c-0c8b5a1e7d41",
          "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/delivery/providers/Microsoft.ContainerRegistry/registries/contosoacr",
          "subject": "podinfo:6.0.1",
          "eventType": "Microsoft.ContainerRegistry.ImagePushed",
          "eventTime": "2026-11-20T10:15:02.4471121Z",
          "data": {
            "id": "6d1b1c57-3f47-4f0c-8a43-2a7e1d3c9b10",
            "timestamp": "2026-11-20T10:15:02.1170341Z",
            "action": "push",
            "target": { "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 1788,
              "digest": "sha256:4b3c1f0e9a8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3", "length": 1788,
              "repository": "podinfo", "tag": "6.0.1" },
            "request": { "id": "b0a9c8d7-e6f5-4a3b-2c1d-0e9f8a7b6c5d", "host": "contosoacr.azurecr.io", "method": "PUT", "useragent": "docker/27.3.1" }
          },
          "dataVersion": "1.0",
          "metadataVersion": "1"
        }]
        """;

    private static readonly string s_cloudEvent = """
        {
          "specversion": "1.0",
          "id": "9a7c3e51-5d2b-4c8e-b1f0-3e6d9c2a8b47",
          "source": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/delivery/providers/Microsoft.ContainerRegistry/registries/contosoacr",
          "subject": "podinfo:6.0.2",
          "type": "Microsoft.ContainerRegistry.ImagePushed",
          "time": "2026-11-20T11:02:44.9010023Z",
          "datacontenttype": "application/json",
          "data": {
            "id": "0c4e2a19-8b7d-4f6e-9a5c-1d3b2e4f6a80",
            "timestamp": "2026-11-20T11:02:44.6602211Z",
            "action": "push",
            "target": { "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1620,
              "digest": "sha256:7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d", "length": 1620,
              "repository": "podinfo", "tag": "6.0.2" },
            "request": { "id": "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9", "host": "contosoacr.azurecr.io", "method": "PUT", "useragent": "buildkit/v0.16" }
          }
        }
        """;

    private RegistryWebhook _webhook = null!;
    private RegistryRequest _eventGridRequest = null!;
    private RegistryRequest _cloudEventRequest = null!;
    private byte[] _eventGridBody = null!;

    [GlobalSetup]
    public void Setup()
    {
        _webhook = new RegistryWebhook(
            new StaticCatalog(),
            new NoOpScheduler(),
            new AlwaysFirstStore(),
            Options.Create(new RegistryOptions()),
            TimeProvider.System,
            NullLogger<RegistryWebhook>.Instance);
        _eventGridBody = Encoding.UTF8.GetBytes(s_eventGrid);
        _eventGridRequest = new RegistryRequest("POST", new Dictionary<string, string> { ["Content-Type"] = "application/json" }, _eventGridBody);
        _cloudEventRequest = new RegistryRequest("POST", new Dictionary<string, string> { ["Content-Type"] = "application/cloudevents+json" }, Encoding.UTF8.GetBytes(s_cloudEvent));
        var check = _webhook.HandleAsync(_eventGridRequest, CancellationToken.None).GetAwaiter().GetResult();
        if (check.Status != 200 || !check.Body!.Contains("\"patched\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the benchmark does not take the accepting path: " + check.Body);
        }
    }

    [Benchmark(Baseline = true)]
    public Task<RegistryResponse> ImagePushed_EventGridSchema() => _webhook.HandleAsync(_eventGridRequest, CancellationToken.None);

    [Benchmark]
    public Task<RegistryResponse> ImagePushed_CloudEventsSchema() => _webhook.HandleAsync(_cloudEventRequest, CancellationToken.None);

    [Benchmark]
    public RegistryDelivery ParseOnly_EventGridSchema() => RegistryEventReader.Read(_eventGridBody, "application/json");

    [Benchmark]
    public ImageDecision PolicyOnly_DefaultSemver() => ImagePolicy.Decide(
        ImagePolicy.Default,
        Repo + ":6.0.0",
        Repo,
        "6.0.1",
        "sha256:4b3c1f0e9a8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3",
        DateTimeOffset.UnixEpoch,
        null);

    /// <summary>Five canaries, one running the pushed repository at 6.0.0; patches succeed and change nothing.</summary>
    private sealed class StaticCatalog : ICanaryCatalog
    {
        private static readonly IReadOnlyDictionary<string, string> s_noAnnotations = new Dictionary<string, string>();

        private readonly IReadOnlyList<CanaryTarget> _targets =
        [
            Target("podinfo", Repo + ":6.0.0"),
            Target("frontend", "contosoacr.azurecr.io/frontend:2.3.1"),
            Target("backend", "contosoacr.azurecr.io/backend:1.0.9"),
            Target("nginx", "nginx:1.27"),
            Target("worker", "ghcr.io/contoso/worker:0.4.0"),
        ];

        public Task<IReadOnlyList<CanaryTarget>> ListAsync(CancellationToken cancellationToken) => Task.FromResult(_targets);

        public Task<CanaryTarget?> GetAsync(string @namespace, string name, CancellationToken cancellationToken) =>
            Task.FromResult(_targets.FirstOrDefault(t => t.Name == name));

        public Task<ImagePatchOutcome> SetImageAsync(CanaryTarget target, string container, string image, DateTimeOffset pushedAt, CancellationToken cancellationToken) =>
            Task.FromResult(ImagePatchOutcome.Patched);

        public Task WarnAsync(CanaryTarget target, string message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task InformAsync(CanaryTarget target, string message, CancellationToken cancellationToken) => Task.CompletedTask;

        private static CanaryTarget Target(string name, string image) =>
            new("test", name, s_noAnnotations, name, "1", [new TargetContainer("app", image)], null);
    }

    private sealed class NoOpScheduler : IRolloutScheduler
    {
        public Task StartOrSignalAsync(string @namespace, string name, RolloutSignal signal, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Every delivery is new; nothing else is called on the webhook's path.</summary>
    private sealed class AlwaysFirstStore : IRolloutStore
    {
        public Task<bool> TryRecordDeliveryAsync(string eventId, DateTimeOffset receivedAt, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<CanaryCheckpoint?> GetCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<CanaryCheckpoint>> ListCheckpointsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> SaveCheckpointAsync(CanaryCheckpoint checkpoint, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AppendHistoryAsync(HistoryEntry entry, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<HistoryPage> GetHistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task PruneAsync(DateTimeOffset historyBefore, DateTimeOffset deliveriesBefore, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
