namespace Flagger.Sandbox.Traffic;

/// <summary>How a <see cref="TrafficSimulator"/> sends its requests.</summary>
public sealed class TrafficOptions
{
    /// <summary>Requests per second sent through each route.</summary>
    public int RequestsPerSecond { get; init; } = 50;

    /// <summary>How often the loop reads the cluster and sends the requests due.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Share of users that carry the headers (and query parameters) of the routes' exact matches, such as
    /// <c>x-canary: insider</c> for an A/B canary.</summary>
    public double InsiderShare { get; init; } = 0.2;

    /// <summary>How a pod running an image behaves; by default <see cref="PodBehaviour.ForImage"/>.</summary>
    public Func<string, PodBehaviour> Behaviour { get; init; } = PodBehaviour.ForImage;

    /// <summary>The HTTPRoutes (each also the name of the Service traffic goes to before the route exists) to send traffic through.</summary>
    public IReadOnlyList<RouteReference> Routes { get; init; } = [];

    /// <summary>Start the background loop; when off, requests go out only through <see cref="TrafficSimulator.Send"/>.</summary>
    public bool RunLoop { get; init; } = true;
}

/// <summary>An HTTPRoute by namespace and name.</summary>
public sealed record RouteReference(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
