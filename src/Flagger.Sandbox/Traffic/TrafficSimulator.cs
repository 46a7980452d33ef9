using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Routing;
using Flagger.Sandbox.Kubernetes;
using Flagger.Sandbox.Prometheus;

namespace Flagger.Sandbox.Traffic;

/// <summary>
/// Users and pods of the sandbox. Every tick (100 ms) it reads the routes, Services and Deployments from the
/// fake API server and sends the requests due (<see cref="TrafficOptions.RequestsPerSecond"/> per route)
/// the way a gateway would: the matching rule, a backend by weight, mirrors; a Service's endpoints are the
/// ready pods of the Deployments its selector picks. Each pod answers as its image says
/// (<see cref="TrafficOptions.Behaviour"/>) and records the request in <c>http_request_duration_seconds</c>
/// {kubernetes_namespace, kubernetes_pod_name, status}, served on <see cref="MetricsAddress"/>.
/// </summary>
public sealed class TrafficSimulator : IAsyncDisposable
{
    private const long OneMillion = 1_000_000;
    private const string PodHashAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private static readonly TimeSpan s_history = TimeSpan.FromMinutes(2);

    private readonly FakeKubernetesApiServer _server;
    private readonly ScrapeTarget _metrics;
    private readonly TrafficOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<RouteReference> _routes;
    private readonly Dictionary<(string Namespace, string Name), PodState> _pods = [];
    private readonly Dictionary<(string Namespace, string Name), RouteState> _routeStates = [];
    private readonly Dictionary<(string Namespace, string Name), ServingTemplate> _serving = [];
    private readonly Queue<TrafficSnapshot> _history = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private TrafficSimulator(FakeKubernetesApiServer server, ScrapeTarget metrics, TrafficOptions options, TimeProvider time)
    {
        _server = server;
        _metrics = metrics;
        _options = options;
        _time = time;
        _routes = [.. options.Routes];
        RequestsPerSecond = options.RequestsPerSecond;
    }

    /// <summary>The <c>/metrics</c> endpoint's base address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri MetricsAddress => _metrics.Address;

    /// <summary>Requests per second per route; can be changed while running (0 pauses the users).</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>The last error of the loop (it keeps going), for diagnostics.</summary>
    public Exception? LastError { get; private set; }

    public IReadOnlyList<RouteReference> Routes
    {
        get
        {
            lock (_gate)
            {
                return [.. _routes];
            }
        }
    }

    public static async Task<TrafficSimulator> StartAsync(FakeKubernetesApiServer server, TrafficOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        options ??= new TrafficOptions();
        cancellationToken.ThrowIfCancellationRequested();
        var metrics = await ScrapeTarget.StartAsync();
        var simulator = new TrafficSimulator(server, metrics, options, TimeProvider.System);
        if (options.RunLoop)
        {
            simulator._loop = Task.Run(() => simulator.RunAsync(simulator._stop.Token), CancellationToken.None);
        }

        return simulator;
    }

    /// <summary>Sends traffic through one more route too.</summary>
    public void AddRoute(string @namespace, string name)
    {
        lock (_gate)
        {
            if (!_routes.Contains(new RouteReference(@namespace, name)))
            {
                _routes.Add(new RouteReference(@namespace, name));
            }
        }
    }

    /// <summary>Sends <paramref name="requestsPerRoute"/> requests through every route now, against the cluster as it is now.</summary>
    public void Send(int requestsPerRoute)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requestsPerRoute);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var view = new ClusterView(_server, this, now);
            foreach (var ns in _routes.Select(r => r.Namespace).Distinct(StringComparer.Ordinal))
            {
                view.Refresh(ns);
            }

            foreach (var route in _routes)
            {
                SendThrough(route, requestsPerRoute, view);
            }
        }
    }

    /// <summary>Cumulative counts since the start.</summary>
    public TrafficSnapshot Snapshot()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var pods = _pods.Values
                .Select(p => new PodTraffic(p.Namespace, p.Name, p.Deployment, p.Image, p.Serving, p.LastSeen, p.Requests, p.Errors, p.LatencySeconds))
                .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)
                .ToList();
            var routes = _routes
                .Select(r => _routeStates.TryGetValue((r.Namespace, r.Name), out var s)
                    ? new RouteTraffic(r.Namespace, r.Name, s.Found, s.Requests, s.Insiders, s.Mirrored, s.Unrouted, s.Weights)
                    : new RouteTraffic(r.Namespace, r.Name, false, 0, 0, 0, 0, null))
                .ToList();
            return new TrafficSnapshot(now, TimeSpan.Zero, pods, routes);
        }
    }

    /// <summary>The counts of about the last <paramref name="window"/> (at most two minutes; snapshots are kept every second).</summary>
    public TrafficSnapshot Recent(TimeSpan window)
    {
        var current = Snapshot();
        lock (_gate)
        {
            var earlier = _history.FirstOrDefault(s => s.At >= current.At - window) ?? TrafficSnapshot.Empty(current.At);
            return current.Since(earlier);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        await _metrics.DisposeAsync();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        var owed = 0.0;
        var lastHistory = TimeSpan.Zero;
        using var timer = new PeriodicTimer(_options.Tick);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var elapsed = clock.Elapsed;
            owed = Math.Min(owed + ((elapsed - last).TotalSeconds * RequestsPerSecond), RequestsPerSecond * 2.0);
            last = elapsed;
            var due = (int)owed;
            owed -= due;
            try
            {
                Send(due);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LastError = e;
            }

            if (elapsed - lastHistory >= TimeSpan.FromSeconds(1))
            {
                lastHistory = elapsed;
                var snapshot = Snapshot();
                lock (_gate)
                {
                    _history.Enqueue(snapshot);
                    while (_history.Count > 0 && _history.Peek().At < snapshot.At - s_history)
                    {
                        _history.Dequeue();
                    }
                }
            }
        }
    }

    private void SendThrough(RouteReference reference, int count, ClusterView view)
    {
        var key = (reference.Namespace, reference.Name);
        if (!_routeStates.TryGetValue(key, out var state))
        {
            state = new RouteState();
            _routeStates[key] = state;
        }

        // A gateway serves the route as it last accepted it; before there is a route, users reach the Service of that name.
        var route = _server.Get("gateway.networking.k8s.io/v1", "HTTPRoute", reference.Namespace, reference.Name);
        if (route is not null && SimulatedGateway.IsAccepted(route))
        {
            state.AcceptedSpec = route["spec"] is { } spec ? RouteSpec.Parse(spec) : null;
        }
        else if (route is null)
        {
            state.AcceptedSpec = null;
        }

        state.Found = state.AcceptedSpec is not null;
        state.Weights = state.AcceptedSpec is { } accepted ? RouteWeights.Of(RouteSplit.Read(accepted, reference.Name)) : null;
        var rules = state.AcceptedSpec?.Rules ?? [];
        var insiderRequest = SimulatedGateway.InsiderRequest(rules);
        for (var i = 0; i < count; i++)
        {
            state.Requests++;
            state.InsiderCredit += PartsPerMillion(_options.InsiderShare);
            var request = SimulatedRequest.Plain;
            if (state.InsiderCredit >= OneMillion)
            {
                state.InsiderCredit -= OneMillion;
                state.Insiders++;
                request = insiderRequest;
            }

            if (state.AcceptedSpec is null)
            {
                if (!Answer(view.Endpoints(reference.Namespace, reference.Name), state, $"{reference.Namespace}/{reference.Name}"))
                {
                    state.Unrouted++;
                }

                continue;
            }

            var ruleIndex = SimulatedGateway.SelectRule(rules, request);
            if (ruleIndex < 0)
            {
                state.Unrouted++;
                continue;
            }

            var rule = rules[ruleIndex];
            var backends = SimulatedGateway.Backends(rule, reference.Namespace);
            var chosen = state.Pick(ruleIndex, backends);
            if (chosen < 0 || !Answer(view.Endpoints(backends[chosen].Namespace, backends[chosen].Name), state, $"{backends[chosen].Namespace}/{backends[chosen].Name}"))
            {
                state.Unrouted++;
            }

            foreach (var mirror in SimulatedGateway.Mirrors(rule, chosen, reference.Namespace))
            {
                if (state.MirrorsThis(mirror, PartsPerMillion(mirror.Share))
                    && Answer(view.Endpoints(mirror.Namespace, mirror.Name), state, $"mirror:{mirror.Namespace}/{mirror.Name}"))
                {
                    state.Mirrored++;
                }
            }
        }
    }

    /// <summary>One request answered by the Service's next endpoint in turn (round robin per Service); false when there is none.</summary>
    private bool Answer(IReadOnlyList<PodState> endpoints, RouteState route, string service)
    {
        if (endpoints.Count == 0)
        {
            return false;
        }

        var turn = route.Turns.GetValueOrDefault(service);
        route.Turns[service] = turn + 1;
        var pod = endpoints[(int)(turn % endpoints.Count)];
        pod.ErrorCredit += PartsPerMillion(pod.Behaviour.ErrorRate);
        var failed = false;
        if (pod.ErrorCredit >= OneMillion)
        {
            pod.ErrorCredit -= OneMillion;
            failed = true;
        }

        var min = pod.Behaviour.MinLatency.TotalSeconds;
        var seconds = min + (pod.Random.NextDouble() * (pod.Behaviour.MaxLatency.TotalSeconds - min));
        pod.Requests++;
        pod.LatencySeconds += seconds;
        if (failed)
        {
            pod.Errors++;
        }

        _metrics.Requests.WithLabels(pod.Namespace, pod.Name, failed ? "500" : "200").Observe(seconds);
        return true;
    }

    private static long PartsPerMillion(double share) => (long)Math.Round(Math.Clamp(share, 0, 1) * OneMillion);

    private static string Hash(string input, int length)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(input));
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = PodHashAlphabet[bytes[i] % PodHashAlphabet.Length];
        }

        return new string(chars);
    }

    private sealed class PodState(string ns, string name, string deployment, string image, PodBehaviour behaviour)
    {
        public string Namespace { get; } = ns;

        public string Name { get; } = name;

        public string Deployment { get; } = deployment;

        public string Image { get; } = image;

        public PodBehaviour Behaviour { get; } = behaviour;

        public Random Random { get; } = new(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(name))));

        /// <summary>Ready (an endpoint of the Services selecting its Deployment) as of the last tick.</summary>
        public bool Serving { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        /// <summary>Errors are spread evenly: one each time the credit (in parts per million) passes a million.</summary>
        public long ErrorCredit { get; set; }

        public long Requests { get; set; }

        public long Errors { get; set; }

        public double LatencySeconds { get; set; }
    }

    private sealed class RouteState
    {
        private readonly Dictionary<int, (string Backends, int[] Current)> _roundRobin = [];
        private readonly Dictionary<string, long> _mirrorCredit = new(StringComparer.Ordinal);

        public RouteSpec? AcceptedSpec { get; set; }

        public bool Found { get; set; }

        public RouteWeights? Weights { get; set; }

        /// <summary>Insiders are spread evenly: one each time the credit (in parts per million) passes a million.</summary>
        public long InsiderCredit { get; set; }

        /// <summary>The round-robin position per Service (and per mirrored Service).</summary>
        public Dictionary<string, long> Turns { get; } = new(StringComparer.Ordinal);

        public long Requests { get; set; }

        public long Insiders { get; set; }

        public long Mirrored { get; set; }

        public long Unrouted { get; set; }

        /// <summary>
        /// Whether this request is copied to <paramref name="mirror"/>: a mirror with a percent copies evenly
        /// spread requests, one each time its credit (in parts per million) passes a million.
        /// </summary>
        public bool MirrorsThis(MirroredService mirror, long partsPerMillion)
        {
            var key = $"{mirror.Namespace}/{mirror.Name}";
            var credit = _mirrorCredit.GetValueOrDefault(key) + partsPerMillion;
            var mirrors = credit >= OneMillion;
            _mirrorCredit[key] = mirrors ? credit - OneMillion : credit;
            return mirrors;
        }

        /// <summary>Smooth weighted round robin over the rule's backends: exact shares, evenly spread; -1 when every weight is 0.</summary>
        public int Pick(int ruleIndex, IReadOnlyList<BackendService> backends)
        {
            var total = backends.Sum(b => Math.Max(0, b.Weight));
            if (total == 0)
            {
                return -1;
            }

            var signature = string.Join(",", backends.Select(b => $"{b.Namespace}/{b.Name}={b.Weight}"));
            if (!_roundRobin.TryGetValue(ruleIndex, out var state) || state.Backends != signature)
            {
                state = (signature, new int[backends.Count]);
                _roundRobin[ruleIndex] = state;
            }

            var best = -1;
            for (var i = 0; i < backends.Count; i++)
            {
                state.Current[i] += Math.Max(0, backends[i].Weight);
                if (backends[i].Weight > 0 && (best < 0 || state.Current[i] > state.Current[best]))
                {
                    best = i;
                }
            }

            state.Current[best] -= total;
            return best;
        }
    }

    private sealed record ServingTemplate(string Hash, string Image);

    /// <summary>The cluster as read once per tick: Services and the ready pods of the Deployments they select.</summary>
    private sealed class ClusterView(FakeKubernetesApiServer server, TrafficSimulator simulator, DateTimeOffset now)
    {
        private readonly Dictionary<string, IReadOnlyList<JsonObject>> _deployments = [];
        private readonly Dictionary<(string, string), IReadOnlyList<PodState>> _endpoints = [];
        private readonly Dictionary<(string, string), IReadOnlyList<PodState>> _podsOf = [];

        public IReadOnlyList<PodState> Endpoints(string ns, string service)
        {
            if (_endpoints.TryGetValue((ns, service), out var cached))
            {
                return cached;
            }

            var selector = server.Get("v1", "Service", ns, service)?["spec"]?["selector"] as JsonObject;
            var endpoints = selector is null || selector.Count == 0
                ? []
                : Deployments(ns)
                    .Where(d => selector.All(s => (string?)d["spec"]?["template"]?["metadata"]?["labels"]?[s.Key] == (string?)s.Value))
                    .SelectMany(d => PodsOf(ns, d))
                    .ToList();
            _endpoints[(ns, service)] = endpoints;
            return endpoints;
        }

        /// <summary>Brings every pod of the namespace up to date (ready or gone), whether or not traffic reaches it.</summary>
        public void Refresh(string ns)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var deployment in Deployments(ns))
            {
                names.Add((string?)deployment["metadata"]?["name"] ?? "");
                PodsOf(ns, deployment);
            }

            foreach (var pod in simulator._pods.Values.Where(p => p.Namespace == ns && !names.Contains(p.Deployment)))
            {
                pod.Serving = false;
            }
        }

        private IReadOnlyList<JsonObject> Deployments(string ns)
        {
            if (!_deployments.TryGetValue(ns, out var deployments))
            {
                deployments = server.List("apps/v1", "Deployment", ns);
                _deployments[ns] = deployments;
            }

            return deployments;
        }

        /// <summary>
        /// The ready pods of a Deployment: <c>min(spec.replicas, status.readyReplicas)</c> of them, running the
        /// template of the last rollout that became ready (old pods keep serving while a new one is not ready).
        /// </summary>
        private IReadOnlyList<PodState> PodsOf(string ns, JsonObject deployment)
        {
            var name = (string?)deployment["metadata"]?["name"] ?? "";
            if (_podsOf.TryGetValue((ns, name), out var cached))
            {
                return cached;
            }

            var generation = deployment["metadata"]?["generation"]?.GetValue<long>() ?? 1;
            var observed = deployment["status"]?["observedGeneration"]?.GetValue<long>() ?? 0;
            var desired = deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1;
            var ready = deployment["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;
            var template = deployment["spec"]?["template"];
            var image = (string?)template?["spec"]?["containers"]?[0]?["image"] ?? "";
            if (ready > 0 && (observed >= generation || !simulator._serving.ContainsKey((ns, name))))
            {
                simulator._serving[(ns, name)] = new ServingTemplate(Hash(template?.ToJsonString() ?? "", 10), image);
            }

            var pods = new List<PodState>();
            if (simulator._serving.TryGetValue((ns, name), out var serving))
            {
                for (var i = 0; i < Math.Min(desired, ready); i++)
                {
                    var podName = $"{name}-{serving.Hash}-{Hash($"{name}/{serving.Hash}/{i}", 5)}";
                    if (!simulator._pods.TryGetValue((ns, podName), out var pod))
                    {
                        pod = new PodState(ns, podName, name, serving.Image, simulator._options.Behaviour(serving.Image));
                        simulator._pods[(ns, podName)] = pod;
                    }

                    pods.Add(pod);
                }
            }

            foreach (var pod in simulator._pods.Values.Where(p => p.Namespace == ns && p.Deployment == name))
            {
                pod.Serving = pods.Contains(pod);
                if (pod.Serving)
                {
                    pod.LastSeen = now;
                }
            }

            _podsOf[(ns, name)] = pods;
            return pods;
        }
    }
}
