using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Core.Workloads;
using Flagger.Infrastructure.Kubernetes;
using k8s;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// Shifts traffic on a route the user owns (<see cref="UserRoute"/>): never created, owned or deleted here,
/// only edited as <see cref="UserRouteSpec"/> says. Every write starts from a fresh read and goes out as a
/// replace with that read's resourceVersion, so a user's edit made meanwhile is never overwritten (409: read
/// again and redo the edit on top of it).
/// </summary>
internal sealed class UserRouteRouter(IKubernetes client)
{
    public async Task<RouteObservation> SyncAsync(Canary canary, UserRoute reference, CancellationToken cancellationToken)
    {
        JsonObject? route = null;
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            route = await ReadAsync(reference, cancellationToken);
            if (route is null || !UserRouteSpec.Routes(route, canary))
            {
                return;
            }

            // Our rules disagreeing on the weights is a drift: as for the generated route, all traffic goes back to the primary.
            var split = UserRouteSpec.ReadSplit(route, canary) ?? new RouteSplit(WeightSchedule.TotalWeight, 0, false);
            route = await WriteAsync(reference, route, UserRouteSpec.Apply(route, canary, reference, split), cancellationToken);
        });

        if (route is null)
        {
            return RouteObservation.NotReady($"{reference} (spec.routeRef) not found");
        }

        if (!UserRouteSpec.Routes(route, canary))
        {
            return RouteObservation.NotReady($"{reference} (spec.routeRef) has no backendRef to Service {WorkloadNames.ServiceName(canary)}");
        }

        if (GatewayApiRouter.NotAcceptedReason(route, reference.Kind) is { } reason)
        {
            return RouteObservation.NotReady(reason);
        }

        var observed = UserRouteSpec.ReadSplit(route, canary)!;
        return RouteObservation.Ready(observed.PrimaryWeight, observed.CanaryWeight, observed.Mirrored) with { Version = (string?)route["metadata"]?["resourceVersion"] };
    }

    public Task SetRoutesAsync(Canary canary, UserRoute reference, SetRoutes weights, CancellationToken cancellationToken) =>
        KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var route = await ReadAsync(reference, cancellationToken)
                ?? throw new InvalidOperationException($"{reference} (spec.routeRef) not found");
            var split = new RouteSplit(weights.PrimaryWeight, weights.CanaryWeight, weights.Mirrored);
            await WriteAsync(reference, route, UserRouteSpec.Apply(route, canary, reference, split), cancellationToken);
        });

    /// <summary>Gives the user's route back as they wrote it: our rules and annotation removed, the apex Service in place of ours.</summary>
    public Task RevertAsync(Canary canary, UserRoute reference, CancellationToken cancellationToken) =>
        KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            if (await ReadAsync(reference, cancellationToken) is { } route)
            {
                await WriteAsync(reference, route, UserRouteSpec.Apply(route, canary, reference, new RouteSplit(WeightSchedule.TotalWeight, 0, false)), cancellationToken);
            }
        });

    /// <summary>Replaces <paramref name="live"/> with <paramref name="desired"/> (same resourceVersion) unless they already agree; returns the route as stored.</summary>
    private async Task<JsonObject> WriteAsync(UserRoute reference, JsonObject live, JsonObject desired, CancellationToken cancellationToken)
    {
        if (JsonNode.DeepEquals(live["spec"], desired["spec"]) && JsonNode.DeepEquals(live["metadata"]?["annotations"], desired["metadata"]?["annotations"]))
        {
            return live;
        }

        var replaced = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            desired, GatewayApiVersion.Group, reference.Version, reference.Namespace, reference.Plural, reference.Name,
            cancellationToken: cancellationToken);
        return CustomObjectJson.From(replaced);
    }

    private async Task<JsonObject?> ReadAsync(UserRoute reference, CancellationToken cancellationToken)
    {
        var raw = await KubernetesErrors.NullWhenMissingAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync(
            GatewayApiVersion.Group, reference.Version, reference.Namespace, reference.Plural, reference.Name, cancellationToken));
        return raw is null ? null : CustomObjectJson.From(raw);
    }
}
