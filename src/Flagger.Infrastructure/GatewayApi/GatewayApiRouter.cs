using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Routing;
using Flagger.Core.Workloads;
using Flagger.Infrastructure.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// Splits traffic with a Gateway API HTTPRoute (or, opted in per Canary, a GRPCRoute: <see cref="GatewayRoute"/>)
/// named after the apex Service (spec §4). The route is the source of truth for the split: it is read back
/// every tick, and written only with its resourceVersion. A Canary that names a route of the user's own
/// instead (<see cref="UserRoute"/>) is routed by <see cref="UserRouteRouter"/>.
/// </summary>
public sealed class GatewayApiRouter(IKubernetes client) : ITrafficRouter
{
    private const string FluxPrefix = "toolkit.fluxcd.io";

    private readonly UserRouteRouter _userRoutes = new(client);

    public async Task<RouteObservation> SyncAsync(Canary canary, CancellationToken cancellationToken)
    {
        if (UserRoute.Of(canary) is { } userRoute)
        {
            return await _userRoutes.SyncAsync(canary, userRoute, cancellationToken);
        }

        var version = GatewayApiVersion.ForProvider(canary.Spec.Provider);
        var kind = GatewayRoute.For(canary);
        JsonObject? route = null;
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            route = await ReadAsync(canary, version, kind, cancellationToken);
            if (route is null)
            {
                route = await CreateAsync(canary, version, kind, cancellationToken);
                return;
            }

            var split = RouteSplit.Read(route, WorkloadNames.ServiceName(canary));
            var desired = kind.Build(canary, version, split.PrimaryWeight, split.CanaryWeight, split.Mirrored);
            if (JsonNode.DeepEquals(desired, route["spec"]) && MetadataInPlace(canary, route))
            {
                return;
            }

            // Flagger's drift rule: a route that no longer matches the Canary is rebuilt with all traffic on the primary.
            route["spec"] = kind.Build(canary, version, WeightSchedule.TotalWeight, 0, false);
            ApplyMetadata(canary, route);
            route = await ReplaceAsync(canary, version, kind, route, cancellationToken);
        });

        return Observe(canary, route!);
    }

    /// <summary>
    /// The observed route only differs from the new one in its weights and mirror, so the new rules go out as
    /// a merge patch guarded by the observed resourceVersion: one call. If the route moved on meanwhile
    /// (409), it is read again and replaced.
    /// </summary>
    public async Task SetRoutesAsync(Canary canary, SetRoutes weights, string? observedVersion, CancellationToken cancellationToken)
    {
        if (UserRoute.Of(canary) is { } userRoute)
        {
            await _userRoutes.SetRoutesAsync(canary, userRoute, weights, cancellationToken);
            return;
        }

        var version = GatewayApiVersion.ForProvider(canary.Spec.Provider);
        var kind = GatewayRoute.For(canary);
        if (observedVersion is not null)
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = observedVersion },
                ["spec"] = new JsonObject
                {
                    ["rules"] = kind.Build(canary, version, weights.PrimaryWeight, weights.CanaryWeight, weights.Mirrored, weights.Cookies)["rules"]!.DeepClone(),
                },
            };
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
                    GatewayApiVersion.Group, version.Version, canary.Metadata.NamespaceProperty, kind.Plural,
                    WorkloadNames.ServiceName(canary), cancellationToken: cancellationToken);
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.IsConflict())
            {
            }
        }

        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var route = await ReadAsync(canary, version, kind, cancellationToken)
                ?? throw new InvalidOperationException($"{kind.Kind} {WorkloadNames.ServiceName(canary)}.{canary.Metadata.NamespaceProperty} not found");
            var spec = kind.Build(canary, version, weights.PrimaryWeight, weights.CanaryWeight, weights.Mirrored, weights.Cookies);
            if (JsonNode.DeepEquals(spec, route["spec"]))
            {
                return;
            }

            route["spec"] = spec;
            await ReplaceAsync(canary, version, kind, route, cancellationToken);
        });
    }

    /// <summary>
    /// Nothing to put back for the generated route (Flagger's Gateway API <c>Finalize</c> is a no-op, spec §4.11):
    /// it is owned by the Canary and garbage-collected with it. A user's route gets back what the user wrote.
    /// </summary>
    public Task RevertAsync(Canary canary, CancellationToken cancellationToken) =>
        UserRoute.Of(canary) is { } userRoute ? _userRoutes.RevertAsync(canary, userRoute, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Reads the split and checks that every parent Gateway accepted the current generation (spec §4.9):
    /// until then the previous change is not live, and the tick must not build on it.
    /// </summary>
    internal static RouteObservation Observe(Canary canary, JsonObject route)
    {
        if (NotAcceptedReason(route, RouteKind.Of(canary).Kind) is { } reason)
        {
            return RouteObservation.NotReady(reason);
        }

        var split = RouteSplit.Read(route, WorkloadNames.ServiceName(canary));
        return RouteObservation.Ready(split.PrimaryWeight, split.CanaryWeight, split.Mirrored) with { Version = (string?)route["metadata"]?["resourceVersion"] };
    }

    /// <summary>Why the route's current generation is not live yet (a parent has not accepted it), or null when it is.</summary>
    internal static string? NotAcceptedReason(JsonObject route, string kind)
    {
        var name = $"{route["metadata"]?["name"]}.{route["metadata"]?["namespace"]}";
        var generation = route["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var statusParents = route["status"]?["parents"]?.AsArray() ?? [];
        foreach (var parentRef in route["spec"]?["parentRefs"]?.AsArray() ?? [])
        {
            foreach (var parent in statusParents.Where(p => JsonNode.DeepEquals(p?["parentRef"], parentRef)))
            {
                var accepted = parent?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Accepted");
                var observed = accepted?["observedGeneration"]?.GetValue<long>() ?? 0;
                if ((string?)accepted?["status"] != "True" || observed < generation)
                {
                    var parentName = $"{parentRef?["namespace"] ?? route["metadata"]?["namespace"]}/{parentRef?["name"]}";
                    var reason = (string?)accepted?["status"] == "True" ? $"observed generation {observed} < {generation}" : (string?)accepted?["reason"] ?? "not accepted";
                    return $"{kind} {name} parent {parentName} is not ready: {reason}";
                }
            }
        }

        return null;
    }

    private async Task<JsonObject?> ReadAsync(Canary canary, GatewayApiVersion version, GatewayRoute kind, CancellationToken cancellationToken)
    {
        var raw = await KubernetesErrors.NullWhenMissingAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync(
            GatewayApiVersion.Group, version.Version, canary.Metadata.NamespaceProperty, kind.Plural,
            WorkloadNames.ServiceName(canary), cancellationToken));
        return raw is null ? null : CustomObjectJson.From(raw);
    }

    private async Task<JsonObject> CreateAsync(Canary canary, GatewayApiVersion version, GatewayRoute kind, CancellationToken cancellationToken)
    {
        var route = new JsonObject
        {
            ["apiVersion"] = version.ApiVersion,
            ["kind"] = kind.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = WorkloadNames.ServiceName(canary),
                ["namespace"] = canary.Metadata.NamespaceProperty,
                ["ownerReferences"] = JsonNode.Parse(KubernetesJson.Serialize(new[] { OwnerReference.To(canary) })),
            },
            ["spec"] = kind.Build(canary, version, WeightSchedule.TotalWeight, 0, false),
        };
        ApplyMetadata(canary, route);
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            route, GatewayApiVersion.Group, version.Version, canary.Metadata.NamespaceProperty, kind.Plural,
            cancellationToken: cancellationToken);
        return CustomObjectJson.From(created);
    }

    private async Task<JsonObject> ReplaceAsync(Canary canary, GatewayApiVersion version, GatewayRoute kind, JsonObject route, CancellationToken cancellationToken)
    {
        var replaced = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            route, GatewayApiVersion.Group, version.Version, canary.Metadata.NamespaceProperty, kind.Plural,
            WorkloadNames.ServiceName(canary), cancellationToken: cancellationToken);
        return CustomObjectJson.From(replaced);
    }

    /// <summary>The apex labels and annotations go on the route; annotations others put there are kept.</summary>
    private static void ApplyMetadata(Canary canary, JsonObject route)
    {
        var metadata = route["metadata"]!.AsObject();
        var apex = canary.Spec.Service.Apex;
        Merge(metadata, "labels", apex?.Labels ?? new Dictionary<string, string>());
        Merge(metadata, "annotations", (apex?.Annotations ?? new Dictionary<string, string>())
            .Where(a => !a.Key.Contains(FluxPrefix, StringComparison.Ordinal)));
    }

    private static void Merge(JsonObject metadata, string field, IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var (key, value) in values)
        {
            if (metadata[field] is not JsonObject live)
            {
                live = [];
                metadata[field] = live;
            }

            live[key] = value;
        }
    }

    private static bool MetadataInPlace(Canary canary, JsonObject route)
    {
        var apex = canary.Spec.Service.Apex;
        var labels = route["metadata"]?["labels"];
        var annotations = route["metadata"]?["annotations"];
        return (apex?.Labels ?? new Dictionary<string, string>()).All(l => (string?)labels?[l.Key] == l.Value)
            && (apex?.Annotations ?? new Dictionary<string, string>())
                .Where(a => !a.Key.Contains(FluxPrefix, StringComparison.Ordinal))
                .All(a => (string?)annotations?[a.Key] == a.Value);
    }
}
