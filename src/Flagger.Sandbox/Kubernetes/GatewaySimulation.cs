using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// Plays a Gateway API controller: after an HTTPRoute or a GRPCRoute is created or its spec changes, once
/// <see cref="AcceptAfter"/> has passed (checked on every request) it writes <c>status.parents</c> with one
/// entry per <c>spec.parentRefs</c>: <c>Accepted=True</c> with the route's <c>observedGeneration</c>, or
/// <c>Accepted=False</c> (<c>NoMatchingParent</c>) for parents <see cref="IsMissingParent"/> matches.
/// With <see cref="Automatic"/> off nothing moves until <see cref="AcceptRoutes"/>.
/// </summary>
public sealed class GatewaySimulation : IClusterController
{
    public const string DefaultControllerName = "example.net/gateway";

    private readonly Dictionary<ObjectKey, DateTimeOffset> _pending = [];
    private readonly HashSet<string> _missingParents = new(StringComparer.Ordinal);
    private ClusterStore? _store;

    public bool Automatic { get; set; } = true;

    /// <summary>Time from the spec change to the parents' status; zero means the next request sees it.</summary>
    public TimeSpan AcceptAfter { get; set; } = TimeSpan.Zero;

    public string ControllerName { get; set; } = DefaultControllerName;

    /// <summary>Parent refs (as JSON) that no Gateway answers; by default those named by <see cref="MarkParentMissing"/>.</summary>
    public Func<JsonObject, bool> IsMissingParent { get; set; }

    public GatewaySimulation() => IsMissingParent = IsMarkedMissing;

    public int PendingRoutes
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Parent refs with this name (Gateway name) will not accept routes.</summary>
    public void MarkParentMissing(string gatewayName)
    {
        lock (_missingParents)
        {
            _missingParents.Add(gatewayName);
        }
    }

    /// <summary>Writes the parents' status of every pending route now.</summary>
    public void AcceptRoutes() => _store?.Settle(forced: this);

    public void Reset()
    {
        Automatic = true;
        AcceptAfter = TimeSpan.Zero;
        ControllerName = DefaultControllerName;
        IsMissingParent = IsMarkedMissing;
        lock (_missingParents)
        {
            _missingParents.Clear();
        }
    }

    internal void Attach(ClusterStore store) => _store = store;

    void IClusterController.Observe(ApiResource resource, ObjectKey key, JsonObject obj, DateTimeOffset now)
    {
        if (!IsRoute(resource))
        {
            return;
        }

        lock (_pending)
        {
            _pending[key] = now;
        }
    }

    void IClusterController.Resume(ApiResource resource, ObjectKey key, JsonObject obj, DateTimeOffset now)
    {
        var generation = JsonFields.Int64(obj["metadata"]?["generation"]) ?? 1;
        var parents = (obj["status"]?["parents"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var behind = parents.Count == 0 || parents.Any(p =>
            (p["conditions"] as JsonArray ?? []).OfType<JsonObject>().All(c => JsonFields.Int64(c["observedGeneration"]) != generation));
        if (IsRoute(resource) && behind)
        {
            ((IClusterController)this).Observe(resource, key, obj, now);
        }
    }

    void IClusterController.Forget(ObjectKey? key)
    {
        lock (_pending)
        {
            if (key is null)
            {
                _pending.Clear();
            }
            else
            {
                _pending.Remove(key);
            }
        }
    }

    void IClusterController.Settle(ClusterStore store, DateTimeOffset now, bool force)
    {
        List<KeyValuePair<ObjectKey, DateTimeOffset>> pending;
        lock (_pending)
        {
            pending = [.. _pending];
        }

        foreach (var (key, changed) in pending)
        {
            if (!force && !(Automatic && now >= changed + AcceptAfter))
            {
                continue;
            }

            ((IClusterController)this).Forget(key);
            var resource = key.Resource == ApiResources.GrpcRoutes.Plural ? ApiResources.GrpcRoutes : ApiResources.HttpRoutes;
            if (store.Find(resource, key.Namespace, key.Name) is not { } route)
            {
                continue;
            }

            var generation = JsonFields.Int64(route["metadata"]?["generation"]) ?? 1;
            var parents = new JsonArray();
            foreach (var parentRef in (route["spec"]?["parentRefs"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var missing = IsMissingParent(parentRef);
                parents.Add(new JsonObject
                {
                    ["parentRef"] = parentRef.DeepClone(),
                    ["controllerName"] = ControllerName,
                    ["conditions"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "Accepted",
                        ["status"] = missing ? "False" : "True",
                        ["reason"] = missing ? "NoMatchingParent" : "Accepted",
                        ["message"] = missing ? "No Gateway matches this parent reference" : "Route is accepted",
                        ["observedGeneration"] = generation,
                        ["lastTransitionTime"] = ClusterStore.Timestamp(now),
                    }),
                });
            }

            var status = route["status"]?.DeepClone() as JsonObject ?? [];
            status["parents"] = parents;
            store.WriteStatus(resource, key, status);
        }
    }

    private static bool IsRoute(ApiResource resource) => resource == ApiResources.HttpRoutes || resource == ApiResources.GrpcRoutes;

    private bool IsMarkedMissing(JsonObject parentRef)
    {
        var name = parentRef["name"]?.GetValue<string>();
        lock (_missingParents)
        {
            return name is not null && _missingParents.Contains(name);
        }
    }
}
