namespace Flagger.Testing.Prometheus;

/// <summary>
/// Exact application metrics (<c>http_request_duration_seconds_*</c>) for remote write: one pod serving
/// <c>ok</c> 2xx and <c>errors</c> 5xx requests every 5 s for the last minute, each request taking
/// <c>seconds</c>, so <c>rate(...[1m])</c> has values at once and ratios are exact.
/// </summary>
public static class HttpTraffic
{
    public static readonly double[] Buckets = [0.1, 0.25, 0.5, 1];

    public static IEnumerable<RemoteWriteSeries> Pod(string ns, string pod, int ok, int errors, double seconds, DateTimeOffset? now = null)
    {
        var end = now ?? DateTimeOffset.UtcNow;
        foreach (var (status, perStep) in new[] { ("200", ok), ("500", errors) })
        {
            if (perStep == 0)
            {
                continue;
            }

            var labels = new Dictionary<string, string>
            {
                ["kubernetes_namespace"] = ns,
                ["kubernetes_pod_name"] = pod,
                ["status"] = status,
            };
            yield return Counter("http_request_duration_seconds_count", labels, perStep, end);
            foreach (var le in Buckets.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("+Inf"))
            {
                var inBucket = le == "+Inf" || seconds <= double.Parse(le, System.Globalization.CultureInfo.InvariantCulture);
                yield return Counter("http_request_duration_seconds_bucket", new Dictionary<string, string>(labels) { ["le"] = le }, inBucket ? perStep : 0, end);
            }
        }
    }

    /// <summary>A counter growing by <paramref name="perStep"/> every 5 s, from 55 s to 5 s before <paramref name="end"/>.</summary>
    public static RemoteWriteSeries Counter(string name, IReadOnlyDictionary<string, string> labels, double perStep, DateTimeOffset end)
    {
        var all = new Dictionary<string, string>(labels) { ["__name__"] = name };
        var samples = Enumerable.Range(1, 11)
            .Select(i => new RemoteWriteSample(end.AddSeconds(-60 + (5 * i)), perStep * i))
            .ToList();
        return new RemoteWriteSeries(all, samples);
    }
}
