using Flagger.Core.Routing;

namespace Flagger.Sandbox.Traffic;

/// <summary>What the simulator sent so far (cumulative counts), or over a window when made with <see cref="Since"/>.</summary>
public sealed record TrafficSnapshot(DateTimeOffset At, TimeSpan Window, IReadOnlyList<PodTraffic> Pods, IReadOnlyList<RouteTraffic> Routes)
{
    public static TrafficSnapshot Empty(DateTimeOffset at) => new(at, TimeSpan.Zero, [], []);

    /// <summary>The pods' counts summed per Deployment.</summary>
    public IReadOnlyList<WorkloadTraffic> Workloads =>
        [.. Pods.GroupBy(p => (p.Namespace, p.Deployment))
            .Select(g => new WorkloadTraffic(
                g.Key.Namespace, g.Key.Deployment, g.OrderByDescending(p => p.LastSeen).First().Image,
                g.Count(p => p.Serving), g.Sum(p => p.Requests), g.Sum(p => p.Errors), g.Sum(p => p.LatencySeconds)))
            .OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Deployment, StringComparer.Ordinal)];

    /// <summary>Requests answered by the pods of a Deployment.</summary>
    public long RequestsTo(string @namespace, string deployment) =>
        Pods.Where(p => p.Namespace == @namespace && p.Deployment == deployment).Sum(p => p.Requests);

    /// <summary>Share of 5xx among the requests answered by a Deployment's pods (0 without requests).</summary>
    public double ErrorRateOf(string @namespace, string deployment)
    {
        var pods = Pods.Where(p => p.Namespace == @namespace && p.Deployment == deployment).ToList();
        var requests = pods.Sum(p => p.Requests);
        return requests == 0 ? 0 : (double)pods.Sum(p => p.Errors) / requests;
    }

    public RouteTraffic? Route(string @namespace, string name) =>
        Routes.FirstOrDefault(r => r.Namespace == @namespace && r.Name == name);

    /// <summary>The counts between <paramref name="earlier"/> and this snapshot (pods and routes that got nothing meanwhile are left out).</summary>
    public TrafficSnapshot Since(TrafficSnapshot earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        var before = earlier.Pods.ToDictionary(p => (p.Namespace, p.Name));
        var pods = Pods
            .Select(p => before.TryGetValue((p.Namespace, p.Name), out var b)
                ? p with { Requests = p.Requests - b.Requests, Errors = p.Errors - b.Errors, LatencySeconds = p.LatencySeconds - b.LatencySeconds }
                : p)
            .Where(p => p.Requests > 0 || p.Serving)
            .ToList();
        var routesBefore = earlier.Routes.ToDictionary(r => (r.Namespace, r.Name));
        var routes = Routes
            .Select(r => routesBefore.TryGetValue((r.Namespace, r.Name), out var b)
                ? r with
                {
                    Requests = r.Requests - b.Requests,
                    Insiders = r.Insiders - b.Insiders,
                    Mirrored = r.Mirrored - b.Mirrored,
                    Unrouted = r.Unrouted - b.Unrouted,
                }
                : r)
            .ToList();
        return new TrafficSnapshot(At, At - earlier.At, pods, routes);
    }
}

/// <summary>One simulated pod: <c>&lt;deployment&gt;-&lt;template hash&gt;-&lt;suffix&gt;</c>, as the builtin metrics' pod regex expects.</summary>
public sealed record PodTraffic(
    string Namespace,
    string Name,
    string Deployment,
    string Image,
    bool Serving,
    DateTimeOffset LastSeen,
    long Requests,
    long Errors,
    double LatencySeconds)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    public double MeanLatencyMilliseconds => Requests == 0 ? 0 : LatencySeconds * 1000 / Requests;
}

/// <summary>A Deployment's pods together; <see cref="Pods"/> counts those serving now.</summary>
public sealed record WorkloadTraffic(string Namespace, string Deployment, string Image, int Pods, long Requests, long Errors, double LatencySeconds)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    public double MeanLatencyMilliseconds => Requests == 0 ? 0 : LatencySeconds * 1000 / Requests;
}

/// <summary>
/// One route: requests sent through it (<see cref="Insiders"/> of them carrying the match headers), copies
/// sent to mirrors, requests no pod answered (no rule, no backend, no ready endpoint: the gateway's 5xx,
/// which no pod metric records), and the split the gateway applies now.
/// </summary>
public sealed record RouteTraffic(
    string Namespace,
    string Name,
    bool RouteFound,
    long Requests,
    long Insiders,
    long Mirrored,
    long Unrouted,
    RouteWeights? Weights);

/// <summary>The split of the rule carrying it (primary and canary backend weights) and whether the canary gets a mirror of the traffic.</summary>
public sealed record RouteWeights(int Primary, int Canary, bool Mirrored)
{
    /// <summary>The weights of the split Flagger reads from the route.</summary>
    public static RouteWeights Of(RouteSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        return new RouteWeights(split.PrimaryWeight, split.CanaryWeight, split.Mirrored);
    }
}
