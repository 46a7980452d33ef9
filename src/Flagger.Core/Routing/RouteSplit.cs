using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Workloads;

namespace Flagger.Core.Routing;

/// <summary>
/// The traffic split an HTTPRoute or GRPCRoute carries (spec §4.7, §4.9): the primary and canary weights of the rule that
/// carries the split, and whether the canary Service gets a mirror of the traffic. Both the controller
/// (reading the live route back every tick) and the sandbox's gateway read it here.
/// </summary>
public sealed record RouteSplit(int PrimaryWeight, int CanaryWeight, bool Mirrored)
{
    /// <summary>
    /// The split of <paramref name="spec"/> for the apex Service <paramref name="apex"/>: the weights of the last
    /// rule whose backends carry filters (the weighted rule under session affinity), else of the last rule with
    /// exactly the primary and canary Services as backends; all traffic on the primary when there is no such
    /// rule. Mirrored when any rule mirrors to the canary Service.
    /// </summary>
    public static RouteSplit Read(RouteSpec spec, string apex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Read(spec.Rules ?? [], apex);
    }

    /// <summary>The split of a GRPCRoute's <paramref name="spec"/>, read as an HTTPRoute's is.</summary>
    public static RouteSplit Read(GrpcSpec spec, string apex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Read(spec.Rules ?? [], apex);
    }

    /// <summary>
    /// The split of a route object as JSON, as the API server returns it: a GRPCRoute when its <c>kind</c> says
    /// so, else an HTTPRoute.
    /// </summary>
    public static RouteSplit Read(JsonNode? route, string apex) =>
        (string?)route?["kind"] == RouteKind.Grpc.Kind
            ? Read(GrpcSpec.Parse(route?["spec"]), apex)
            : Read(RouteSpec.Parse(route?["spec"]), apex);

    private static RouteSplit Read(IEnumerable<IRouteRule> routeRules, string apex)
    {
        var rules = routeRules.ToList();
        var primaryService = WorkloadNames.PrimaryServiceName(apex);
        var canaryService = WorkloadNames.CanaryServiceName(apex);

        var weighted = rules.LastOrDefault(r => r.BackendRefs?.Any(b => b.Filters is not null) == true)
            ?? rules.LastOrDefault(r => r.BackendRefs is { Count: 2 } backends
                && backends.Any(b => b.Name == primaryService)
                && backends.Any(b => b.Name == canaryService));

        int Weight(string service) => weighted!.BackendRefs!.FirstOrDefault(b => b.Name == service)?.Weight ?? 0;

        var mirrored = rules.Any(r => r.Filters?.Any(f => f.MirrorTarget?.Name == canaryService) == true);
        return weighted is null
            ? new RouteSplit(WeightSchedule.TotalWeight, 0, mirrored)
            : new RouteSplit(Weight(primaryService), Weight(canaryService), mirrored);
    }
}
