using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Flagger.Benchmarks.Scale;

/// <summary>One ACR <c>ImagePushed</c> Event Grid delivery per canary to the host's webhook, each POST timed.</summary>
public sealed class RegistryPushes(HttpClient http, ScaleOptions options)
{
    /// <summary>Each push's POST latency; throws when the webhook refused any.</summary>
    public async Task<IReadOnlyList<TimeSpan>> PushAllAsync(CancellationToken cancellationToken)
    {
        var latencies = new TimeSpan[options.Canaries];
        var refused = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Canaries), new ParallelOptions { MaxDegreeOfParallelism = options.PushConcurrency, CancellationToken = cancellationToken }, async (index, token) =>
        {
            using var content = new StringContent(Event(ScaleCanaries.RepositoryOf(index), ScaleCanaries.PushedTag), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var clock = Stopwatch.StartNew();
            using var response = await http.PostAsync("/api/registry/events", content, token);
            var body = await response.Content.ReadAsStringAsync(token);
            latencies[index] = clock.Elapsed;
            if (!response.IsSuccessStatusCode)
            {
                refused.Add($"{ScaleCanaries.NameOf(index)}: {(int)response.StatusCode} {body}");
            }
        });
        if (!refused.IsEmpty)
        {
            throw new InvalidOperationException($"the registry webhook refused {refused.Count} pushes, e.g. {refused.First()}");
        }

        return latencies;
    }

    /// <summary>The Event Grid schema ACR uses (as in <c>acr-image-pushed.eventgrid.json</c>), a fresh id per event.</summary>
    private static string Event(string repository, string tag)
    {
        var now = DateTimeOffset.UtcNow.ToString("O");
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repository}:{tag}")));
        return new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sandbox/providers/Microsoft.ContainerRegistry/registries/contosoacr",
            ["subject"] = $"{repository}:{tag}",
            ["eventType"] = "Microsoft.ContainerRegistry.ImagePushed",
            ["eventTime"] = now,
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["timestamp"] = now,
                ["action"] = "push",
                ["target"] = new JsonObject
                {
                    ["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json",
                    ["digest"] = digest,
                    ["repository"] = repository,
                    ["tag"] = tag,
                },
                ["request"] = new JsonObject { ["host"] = ScaleCanaries.Registry, ["method"] = "PUT" },
            },
        }).ToJsonString();
    }
}
