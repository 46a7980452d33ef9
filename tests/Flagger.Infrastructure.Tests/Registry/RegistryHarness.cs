using System.Text;
using Flagger.Infrastructure.Registry;
using Flagger.Testing.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.Registry;

/// <summary>The webhook over in-memory ports, with the shared fixtures and request builders.</summary>
internal sealed class RegistryHarness
{
    public const string RegistryHost = "contosoacr.azurecr.io";
    public const string Repo = RegistryHost + "/podinfo";
    public const string EventGridDigest = "sha256:4b3c1f0e9a8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3";
    public const string CloudEventDigest = "sha256:7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d";
    public const string EventGridImage = Repo + ":6.0.1@" + EventGridDigest;
    public const string CloudEventImage = Repo + ":6.0.2@" + CloudEventDigest;
    public const string EventGridId = "2f2c6d0e-6a1b-4a07-9f3c-0c8b5a1e7d41";
    public const string CloudEventId = "9a7c3e51-5d2b-4c8e-b1f0-3e6d9c2a8b47";

    public RegistryHarness(RegistryOptions? options = null)
    {
        Webhook = new RegistryWebhook(
            Catalog,
            Scheduler,
            Store,
            Options.Create(options ?? new RegistryOptions()),
            TimeProvider.System,
            NullLogger<RegistryWebhook>.Instance);
    }

    public InMemoryCanaryCatalog Catalog { get; } = new();

    public RecordingRolloutScheduler Scheduler { get; } = new();

    public InMemoryRolloutStore Store { get; } = new();

    public RegistryWebhook Webhook { get; }

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Registry", "Fixtures", name));

    public static string EventGridPush => Fixture("acr-image-pushed.eventgrid.json");

    public static string CloudEventPush => Fixture("acr-image-pushed.cloudevent.json");

    public static string Validation => Fixture("eventgrid-subscription-validation.json");

    public static RegistryRequest Post(string body, string contentType = "application/json") =>
        new("POST", new Dictionary<string, string> { ["Content-Type"] = contentType }, Encoding.UTF8.GetBytes(body));

    public static RegistryRequest PostCloudEvent(string body) => Post(body, "application/cloudevents+json; charset=utf-8");

    public Task<RegistryResponse> SendAsync(RegistryRequest request) => Webhook.HandleAsync(request, CancellationToken.None);

    /// <summary>An Event Grid schema ImagePushed event for the podinfo repository.</summary>
    public static string EventGridEvent(string id, string tag, string digest, DateTimeOffset pushedAt, string type = "Microsoft.ContainerRegistry.ImagePushed", string repository = "podinfo", string host = RegistryHost) => $$"""
        [{
          "id": "{{id}}",
          "topic": "/subscriptions/0/resourceGroups/delivery/providers/Microsoft.ContainerRegistry/registries/contosoacr",
          "subject": "{{repository}}:{{tag}}",
          "eventType": "{{type}}",
          "eventTime": "{{pushedAt:O}}",
          "data": {
            "id": "d-{{id}}",
            "timestamp": "{{pushedAt:O}}",
            "action": "push",
            "target": { "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1, "digest": "{{digest}}", "length": 1, "repository": "{{repository}}", "tag": "{{tag}}" },
            "request": { "id": "r-{{id}}", "host": "{{host}}", "method": "PUT", "useragent": "test" }
          },
          "dataVersion": "1.0",
          "metadataVersion": "1"
        }]
        """;

    public static RegistryReport Report(RegistryResponse response)
    {
        Assert.NotNull(response.Body);
        return RegistryReport.FromJson(response.Body);
    }
}
