using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Flagger.Sandbox;

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
            using var content = new StringContent(RegistryPush.EventGridEvent(ScaleCanaries.RepositoryOf(index), ScaleCanaries.PushedTag), Encoding.UTF8);
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
}
