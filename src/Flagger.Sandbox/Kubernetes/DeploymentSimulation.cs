using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// Plays the deployment controller: after a Deployment is created or its spec changes, its status moves
/// to ready (all replicas updated and available) once <see cref="ReadyAfter"/> has passed, checked on
/// every request. A rollout of an image <see cref="IsBrokenImage"/> matches stalls with no available
/// replicas and reports <c>ProgressDeadlineExceeded</c> once <see cref="ProgressDeadline"/> has passed.
/// With <see cref="Automatic"/> off nothing moves until <see cref="CompleteRollouts"/>.
/// A Deployment seeded with a status keeps it until its spec changes.
/// </summary>
public sealed class DeploymentSimulation : IClusterController
{
    private readonly Dictionary<ObjectKey, Rollout> _pending = [];
    private ClusterStore? _store;

    /// <summary>Whether rollouts progress on their own with time; when off, only <see cref="CompleteRollouts"/> moves them.</summary>
    public bool Automatic { get; set; } = true;

    /// <summary>Time from the spec change to the ready (or stalled) status; zero means the next request sees it.</summary>
    public TimeSpan ReadyAfter { get; set; } = TimeSpan.Zero;

    /// <summary>Time from the spec change after which a stalled rollout reports <c>ProgressDeadlineExceeded</c>.</summary>
    public TimeSpan ProgressDeadline { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Container images whose pods never become available.</summary>
    public Func<string, bool> IsBrokenImage { get; set; } = DefaultIsBrokenImage;

    /// <summary>Rollouts still waiting for their final status.</summary>
    public int PendingRollouts
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Brings every pending rollout to its final status now: ready, or for broken images
    /// <c>ProgressDeadlineExceeded</c>.</summary>
    public void CompleteRollouts() => _store?.Settle(forced: this);

    /// <summary>Back to the defaults (automatic, ready on the next request, 1 s deadline, images containing "broken").</summary>
    public void Reset()
    {
        Automatic = true;
        ReadyAfter = TimeSpan.Zero;
        ProgressDeadline = TimeSpan.FromSeconds(1);
        IsBrokenImage = DefaultIsBrokenImage;
    }

    internal void Attach(ClusterStore store) => _store = store;

    void IClusterController.Observe(ApiResource resource, ObjectKey key, JsonObject obj, DateTimeOffset now)
    {
        if (resource != ApiResources.Deployments)
        {
            return;
        }

        lock (_pending)
        {
            _pending[key] = new Rollout(now);
        }
    }

    void IClusterController.Resume(ApiResource resource, ObjectKey key, JsonObject obj, DateTimeOffset now)
    {
        if (resource == ApiResources.Deployments
            && JsonFields.Int64(obj["status"]?["observedGeneration"]) != (JsonFields.Int64(obj["metadata"]?["generation"]) ?? 1))
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
        List<KeyValuePair<ObjectKey, Rollout>> pending;
        lock (_pending)
        {
            pending = [.. _pending];
        }

        foreach (var (key, rollout) in pending)
        {
            if (store.Find(ApiResources.Deployments, key.Namespace, key.Name) is not { } deployment)
            {
                Forget(key);
                continue;
            }

            if (!force && !(Automatic && now >= rollout.Started + ReadyAfter))
            {
                continue;
            }

            var generation = JsonFields.Int64(deployment["metadata"]?["generation"]) ?? 1;
            var replicas = (int)(JsonFields.Int64(deployment["spec"]?["replicas"]) ?? 1);
            var broken = replicas > 0 && Images(deployment).Any(IsBrokenImage);
            if (!broken)
            {
                store.WriteStatus(ApiResources.Deployments, key, ReadyStatus(key.Name, generation, replicas, now));
                Forget(key);
                continue;
            }

            var exceeded = force || now >= rollout.Started + ProgressDeadline;
            if (exceeded || !rollout.Stalled)
            {
                store.WriteStatus(ApiResources.Deployments, key, StalledStatus(key.Name, generation, replicas, exceeded, now));
                lock (_pending)
                {
                    _pending[key] = rollout with { Stalled = true };
                }
            }

            if (exceeded)
            {
                Forget(key);
            }
        }
    }

    private static bool DefaultIsBrokenImage(string image) => image.Contains("broken", StringComparison.OrdinalIgnoreCase);

    private void Forget(ObjectKey key) => ((IClusterController)this).Forget(key);

    private static IEnumerable<string> Images(JsonObject deployment) =>
        (deployment["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? [])
            .Select(c => c?["image"]?.GetValue<string>())
            .OfType<string>();

    private static JsonObject ReadyStatus(string name, long generation, int replicas, DateTimeOffset now)
    {
        var status = new JsonObject { ["observedGeneration"] = generation };
        Counts(status, replicas, updated: replicas, available: replicas);
        status["conditions"] = new JsonArray(
            Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now),
            Condition("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{name}-{generation}\" has successfully progressed.", now));
        return status;
    }

    private static JsonObject StalledStatus(string name, long generation, int replicas, bool exceeded, DateTimeOffset now)
    {
        var status = new JsonObject { ["observedGeneration"] = generation };
        Counts(status, replicas, updated: replicas, available: 0);
        status["unavailableReplicas"] = replicas;
        status["conditions"] = new JsonArray(
            Condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now),
            exceeded
                ? Condition("Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{name}-{generation}\" has timed out progressing.", now)
                : Condition("Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{name}-{generation}\" is progressing.", now));
        return status;
    }

    /// <summary>Like the real API server, counts of zero are left out (read them as <c>?? 0</c>).</summary>
    private static void Counts(JsonObject status, int replicas, int updated, int available)
    {
        foreach (var (field, value) in new[]
        {
            ("replicas", replicas), ("updatedReplicas", updated), ("readyReplicas", available), ("availableReplicas", available),
        })
        {
            if (value != 0)
            {
                status[field] = value;
            }
        }
    }

    private static JsonObject Condition(string type, string status, string reason, string message, DateTimeOffset now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastUpdateTime"] = ClusterStore.Timestamp(now),
        ["lastTransitionTime"] = ClusterStore.Timestamp(now),
        ["reason"] = reason,
        ["message"] = message,
    };

    private sealed record Rollout(DateTimeOffset Started, bool Stalled = false);
}
