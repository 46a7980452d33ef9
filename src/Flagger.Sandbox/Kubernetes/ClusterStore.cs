using System.Globalization;
using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>Where an object lives: group, resource (version-agnostic), namespace (empty when cluster-scoped), name.</summary>
public sealed record ObjectKey(string Group, string Resource, string Namespace, string Name);

/// <summary>Which patch format a PATCH carries, from its media type.</summary>
public enum PatchKind
{
    Merge,
    Json,
    StrategicMerge,
    Apply,
}

/// <summary>
/// The stored objects and the API server's write rules: resourceVersion, generation, uid,
/// creationTimestamp, optimistic concurrency and the status subresource. Objects are JSON; every
/// answer is a copy.
/// </summary>
internal sealed class ClusterStore(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectKey, JsonObject> _objects = [];
    private readonly List<IClusterController> _controllers = [];
    private readonly List<StoredChange> _history = [];
    private long _resourceVersion = 1000;

    // Every change after this resourceVersion is still in _history: a watch can resume from here on.
    private long _historyStart = 1000;
    private TaskCompletionSource _changed = NewSignal();

    public TimeProvider Time => time;

    public string CurrentResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion.ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>How many changes are kept for watches to resume from; an older resourceVersion is 410 Gone,
    /// as after an etcd compaction.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    public void AddController(IClusterController controller) => _controllers.Add(controller);

    /// <summary>Completes at the next change (a write, a deletion, a reset).</summary>
    public Task NextChange
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Every object and the resourceVersion counter, as one JSON document (what <see cref="Restore"/> reads).</summary>
    public string Snapshot()
    {
        lock (_gate)
        {
            var objects = new JsonArray();
            foreach (var obj in _objects.OrderBy(e => e.Key.Group).ThenBy(e => e.Key.Resource).ThenBy(e => e.Key.Namespace).ThenBy(e => e.Key.Name))
            {
                objects.Add(obj.Value.DeepClone());
            }

            return new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture), ["objects"] = objects }.ToJsonString();
        }
    }

    /// <summary>Replaces everything with a <see cref="Snapshot"/>. Watches cannot resume from before it (410), and the
    /// simulated controllers take up what was still pending: rollouts and routes whose status is behind their spec.</summary>
    public void Restore(string snapshot)
    {
        var document = JsonNode.Parse(snapshot)!.AsObject();
        lock (_gate)
        {
            _objects.Clear();
            _history.Clear();
            foreach (var controller in _controllers)
            {
                controller.Forget();
            }

            _resourceVersion = long.Parse(document["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            _historyStart = _resourceVersion;
            var now = time.GetUtcNow();
            foreach (var obj in (document["objects"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var resource = ApiResources.FindByKind(obj["apiVersion"]!.GetValue<string>(), obj["kind"]!.GetValue<string>())
                    ?? throw new InvalidDataException($"the snapshot holds a {obj["kind"]} the server does not serve");
                var metadata = obj["metadata"]!;
                var key = Key(resource, metadata["namespace"]?.GetValue<string>() ?? "", metadata["name"]!.GetValue<string>());
                var stored = obj.DeepClone().AsObject();
                _objects[key] = stored;
                foreach (var controller in _controllers)
                {
                    controller.Resume(resource, key, stored, now);
                }
            }

            Signal();
        }
    }

    /// <summary>Whether an object is in a list or watch with these scope and selectors.</summary>
    public static bool Matches(ApiResource resource, string? ns, LabelSelector labels, LabelSelector fields, JsonObject obj) =>
        (ns is null || (obj["metadata"]?["namespace"]?.GetValue<string>() ?? "") == ns)
        && labels.Matches(key => obj["metadata"]?["labels"]?[key]?.GetValue<string>())
        && fields.Matches(field => FieldSelectors.Value(resource, obj, field));

    /// <summary>The changes to <paramref name="resource"/> after <paramref name="afterResourceVersion"/> (oldest first),
    /// the resourceVersion they bring a reader up to, and a task that completes at the next change.
    /// Throws 410 Expired when changes after that version are no longer kept.</summary>
    public (IReadOnlyList<StoredChange> Changes, long UpTo, Task Next) ChangesAfter(ApiResource resource, long afterResourceVersion)
    {
        lock (_gate)
        {
            if (afterResourceVersion < _historyStart)
            {
                throw new ApiError(410, "Expired", $"too old resource version: {afterResourceVersion} ({_historyStart + 1})");
            }

            var changes = _history
                .Where(c => c.ResourceVersion > afterResourceVersion && c.Key.Group == resource.Group && c.Key.Resource == resource.Plural)
                .ToList();
            return (changes, Math.Max(afterResourceVersion, _resourceVersion), _changed.Task);
        }
    }

    /// <summary>Lets the simulated controllers act on what is due; called before every request.
    /// <paramref name="forced"/> settles everything that controller has pending, due or not.</summary>
    public void Settle(IClusterController? forced = null)
    {
        lock (_gate)
        {
            foreach (var controller in _controllers)
            {
                controller.Settle(this, time.GetUtcNow(), force: controller == forced);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _objects.Clear();
            foreach (var controller in _controllers)
            {
                controller.Forget();
            }

            // Like a compaction: no watch resumes from before the reset.
            _history.Clear();
            _historyStart = _resourceVersion;
            Signal();
        }
    }

    public JsonObject Get(ApiResource resource, string ns, string name)
    {
        lock (_gate)
        {
            return Find(resource, ns, name)?.DeepClone().AsObject() ?? throw ApiError.NotFound(resource, name);
        }
    }

    public JsonObject? Find(ApiResource resource, string ns, string name)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault(Key(resource, ns, name));
        }
    }

    public (IReadOnlyList<JsonObject> Items, string ResourceVersion) List(
        ApiResource resource, string? ns, LabelSelector labels, LabelSelector fields)
    {
        lock (_gate)
        {
            var items = _objects
                .Where(e => e.Key.Group == resource.Group && e.Key.Resource == resource.Plural)
                .Where(e => ns is null || e.Key.Namespace == ns)
                .OrderBy(e => e.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(e => e.Key.Name, StringComparer.Ordinal)
                .Select(e => e.Value)
                .Where(o => Matches(resource, null, labels, fields, o))
                .Select(o => o.DeepClone().AsObject())
                .ToList();
            return (items, _resourceVersion.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>POST. <paramref name="keepStatus"/> is for seeding: the API drops status on create for
    /// kinds with a status subresource.</summary>
    public JsonObject Create(ApiResource resource, string ns, JsonObject body, bool keepStatus = false)
    {
        lock (_gate)
        {
            var obj = body.DeepClone().AsObject();
            var metadata = obj["metadata"] as JsonObject ?? [];
            obj["metadata"] = metadata;
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                var prefix = metadata["generateName"]?.GetValue<string>();
                if (string.IsNullOrEmpty(prefix))
                {
                    throw ApiError.Invalid(resource, "", "metadata.name: Required value: name or generateName is required");
                }

                name = prefix + Guid.NewGuid().ToString("N")[..5];
                metadata["name"] = name;
            }

            CheckNamespace(resource, ns, metadata, name);
            var key = Key(resource, ns, name);
            if (_objects.ContainsKey(key))
            {
                throw ApiError.AlreadyExists(resource, name);
            }

            obj["kind"] = resource.Kind;
            obj["apiVersion"] ??= resource.ApiVersion(resource.Versions[0]);
            if (resource.HasStatusSubresource && !keepStatus)
            {
                obj.Remove("status");
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp(time.GetUtcNow());
            metadata["generation"] = 1;
            metadata.Remove("deletionTimestamp");
            metadata.Remove("deletionGracePeriodSeconds");
            ServiceValidation.Check(resource, name, obj);
            metadata["resourceVersion"] = NextResourceVersion();
            obj = Normalized(obj);
            _objects[key] = obj;
            Record(ChangeType.Added, key, obj, previous: null);
            var statusGiven = keepStatus && obj["status"] is not null;
            foreach (var controller in _controllers.Where(_ => !statusGiven))
            {
                controller.Observe(resource, key, obj, time.GetUtcNow());
            }

            return obj.DeepClone().AsObject();
        }
    }

    /// <summary>PUT on the object (status kept as stored when it is a subresource) or on <c>/status</c>.</summary>
    public JsonObject Replace(ApiResource resource, string ns, string name, JsonObject body, bool statusSubresource)
    {
        lock (_gate)
        {
            var key = Key(resource, ns, name);
            var existing = _objects.GetValueOrDefault(key) ?? throw ApiError.NotFound(resource, name);
            var bodyName = body["metadata"]?["name"]?.GetValue<string>();
            if (bodyName is not null && bodyName != name)
            {
                throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }

            CheckResourceVersion(resource, name, existing, body);
            return Commit(resource, key, existing, Candidate(resource, existing, body, statusSubresource));
        }
    }

    /// <summary>PATCH in any of the four formats; an apply patch creates the object when absent.</summary>
    public (JsonObject Object, bool Created) Patch(
        ApiResource resource, string ns, string name, PatchKind kind, JsonNode patch, bool statusSubresource)
    {
        lock (_gate)
        {
            var key = Key(resource, ns, name);
            var existing = _objects.GetValueOrDefault(key);
            if (existing is null)
            {
                if (kind != PatchKind.Apply || statusSubresource)
                {
                    throw ApiError.NotFound(resource, name);
                }

                var fresh = Patches.Merge(
                    new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, patch)!.AsObject();
                return (Create(resource, ns, fresh), true);
            }

            JsonNode patched;
            try
            {
                patched = kind switch
                {
                    PatchKind.Json => Patches.ApplyJsonPatch(existing, patch),
                    PatchKind.StrategicMerge => Patches.StrategicMerge(existing, patch)!,
                    _ => Patches.Merge(existing, patch)!,
                };
            }
            catch (InvalidPatchException e)
            {
                throw ApiError.Invalid(resource, name, e.Message);
            }

            if (patched is not JsonObject patchedObject)
            {
                throw ApiError.Invalid(resource, name, "the patch does not leave an object");
            }

            CheckResourceVersion(resource, name, existing, patchedObject);
            return (Commit(resource, key, existing, Candidate(resource, existing, patchedObject, statusSubresource)), false);
        }
    }

    /// <summary>Removes the object whatever its finalizers (seeding, and the test helper).</summary>
    public JsonObject Delete(ApiResource resource, string ns, string name)
    {
        lock (_gate)
        {
            var key = Key(resource, ns, name);
            var existing = _objects.GetValueOrDefault(key) ?? throw ApiError.NotFound(resource, name);
            return Remove(key, existing);
        }
    }

    /// <summary>
    /// DELETE as kube-apiserver does it: an object without finalizers is removed at once (<c>Removed</c>); one
    /// with finalizers gets <c>metadata.deletionTimestamp</c> and <c>deletionGracePeriodSeconds: 0</c> (a write
    /// of its own, a MODIFIED event) and stays until an update leaves its finalizers empty. Deleting an object
    /// that is already being deleted changes nothing.
    /// </summary>
    public (JsonObject Object, bool Removed) RequestDeletion(ApiResource resource, string ns, string name)
    {
        lock (_gate)
        {
            var key = Key(resource, ns, name);
            var existing = _objects.GetValueOrDefault(key) ?? throw ApiError.NotFound(resource, name);
            if (Finalizers(existing).Count == 0)
            {
                return (Remove(key, existing), true);
            }

            if (existing["metadata"]?["deletionTimestamp"] is not null)
            {
                return (existing.DeepClone().AsObject(), false);
            }

            var marked = existing.DeepClone().AsObject();
            marked["metadata"]!["deletionTimestamp"] = Timestamp(time.GetUtcNow());
            marked["metadata"]!["deletionGracePeriodSeconds"] = 0;
            marked["metadata"]!["resourceVersion"] = NextResourceVersion();
            marked = Normalized(marked);
            _objects[key] = marked;
            Record(ChangeType.Modified, key, marked, existing);
            return (marked.DeepClone().AsObject(), false);
        }
    }

    /// <summary>What a simulated controller writes through the status subresource.</summary>
    public void WriteStatus(ApiResource resource, ObjectKey key, JsonObject status)
    {
        lock (_gate)
        {
            if (_objects.GetValueOrDefault(key) is not { } existing)
            {
                return;
            }

            var candidate = existing.DeepClone().AsObject();
            candidate["status"] = status;
            Commit(resource, key, existing, candidate);
        }
    }

    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static ObjectKey Key(ApiResource resource, string ns, string name) =>
        new(resource.Group, resource.Plural, resource.Namespaced ? ns : "", name);

    private static void CheckNamespace(ApiResource resource, string ns, JsonObject metadata, string name)
    {
        if (!resource.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }

        var bodyNamespace = metadata["namespace"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
        {
            throw ApiError.BadRequest(
                $"the namespace of the provided object ({bodyNamespace}) does not match the namespace sent on the request ({ns})");
        }

        if (string.IsNullOrEmpty(ns))
        {
            throw ApiError.BadRequest($"{resource.QualifiedName} \"{name}\": a namespace is required");
        }

        metadata["namespace"] = ns;
    }

    private static void CheckResourceVersion(ApiResource resource, string name, JsonObject existing, JsonObject incoming)
    {
        var wanted = incoming["metadata"]?["resourceVersion"]?.GetValue<string>();
        var current = existing["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(wanted) && wanted != current)
        {
            throw ApiError.Conflict(resource, name);
        }
    }

    /// <summary>The main path cannot change status of a kind with a status subresource; /status changes only status.</summary>
    private static JsonObject Candidate(ApiResource resource, JsonObject existing, JsonObject incoming, bool statusSubresource)
    {
        if (statusSubresource)
        {
            var onlyStatus = existing.DeepClone().AsObject();
            onlyStatus["status"] = incoming["status"]?.DeepClone();
            if (onlyStatus["status"] is null)
            {
                onlyStatus.Remove("status");
            }

            return onlyStatus;
        }

        var candidate = incoming.DeepClone().AsObject();
        if (resource.HasStatusSubresource)
        {
            candidate.Remove("status");
            if (existing["status"] is { } status)
            {
                candidate["status"] = status.DeepClone();
            }
        }

        return candidate;
    }

    private JsonObject Commit(ApiResource resource, ObjectKey key, JsonObject existing, JsonObject candidate)
    {
        var oldMetadata = existing["metadata"]!.AsObject();
        var metadata = candidate["metadata"] as JsonObject ?? [];
        candidate["metadata"] = metadata;
        // deletionTimestamp and its grace period are set by DELETE only: a client can neither set nor clear them.
        foreach (var immutable in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            metadata.Remove(immutable);
            if (oldMetadata[immutable] is { } value)
            {
                metadata[immutable] = value.DeepClone();
            }
        }

        candidate["kind"] = resource.Kind;
        candidate["apiVersion"] ??= existing["apiVersion"]?.DeepClone();
        if (JsonNode.DeepEquals(existing, candidate))
        {
            return candidate;
        }

        if (oldMetadata["deletionTimestamp"] is not null)
        {
            var added = Finalizers(candidate).Except(Finalizers(existing)).ToList();
            if (added.Count > 0)
            {
                throw ApiError.Invalid(resource, key.Name,
                    "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"
                    + string.Join(", ", added.Select(f => $"\"{f}\"")) + "}");
            }

            if (Finalizers(candidate).Count == 0)
            {
                // kube-apiserver does not write such an update: it deletes the object as it was stored.
                return Remove(key, existing);
            }
        }

        var specChanged = !JsonNode.DeepEquals(existing["spec"], candidate["spec"]);
        if (specChanged)
        {
            metadata["generation"] = (JsonFields.Int64(oldMetadata["generation"]) ?? 0) + 1;
        }

        ServiceValidation.Check(resource, key.Name, candidate);
        metadata["resourceVersion"] = NextResourceVersion();
        candidate = Normalized(candidate);
        _objects[key] = candidate;
        Record(ChangeType.Modified, key, candidate, existing);
        if (specChanged)
        {
            foreach (var controller in _controllers)
            {
                controller.Observe(resource, key, candidate, time.GetUtcNow());
            }
        }

        return candidate.DeepClone().AsObject();
    }

    private static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => f?.GetValue<string>() ?? "").ToList();

    /// <summary>The deletion itself: as with etcd, a revision of its own, and the deleted object is shown at it.</summary>
    private JsonObject Remove(ObjectKey key, JsonObject existing)
    {
        _objects.Remove(key);
        var removed = existing.DeepClone().AsObject();
        removed["metadata"]!["resourceVersion"] = NextResourceVersion();
        Record(ChangeType.Deleted, key, removed, existing);
        foreach (var controller in _controllers)
        {
            controller.Forget(key);
        }

        return removed.DeepClone().AsObject();
    }

    /// <summary>Stored as if parsed from the wire, so readers can take numbers as int or long alike.</summary>
    private static JsonObject Normalized(JsonObject obj) => JsonNode.Parse(obj.ToJsonString())!.AsObject();

    private string NextResourceVersion() =>
        (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Keeps a change for watches (objects are never mutated once stored, so no copy) and wakes them.</summary>
    private void Record(ChangeType type, ObjectKey key, JsonObject obj, JsonObject? previous)
    {
        _history.Add(new StoredChange(_resourceVersion, type, key, obj, previous));
        if (_history.Count > HistoryLimit)
        {
            var dropped = _history.Count - HistoryLimit;
            _historyStart = _history[dropped - 1].ResourceVersion;
            _history.RemoveRange(0, dropped);
        }

        Signal();
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }
}

internal enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One write as watches see it: the object after it (for a deletion, the object as it was, at the
/// deletion's resourceVersion) and before it.</summary>
internal sealed record StoredChange(long ResourceVersion, ChangeType Type, ObjectKey Key, JsonObject Object, JsonObject? Previous);

/// <summary>A simulated controller (deployment rollouts, gateway) that reacts to spec changes.</summary>
internal interface IClusterController
{
    /// <summary>An object was created or its spec changed (generation bumped).</summary>
    void Observe(ApiResource resource, ObjectKey key, JsonObject obj, DateTimeOffset now);

    /// <summary>Writes the statuses that are due at <paramref name="now"/> (all pending ones when forced).</summary>
    void Settle(ClusterStore store, DateTimeOffset now, bool force);

    void Forget(ObjectKey? key = null);

    /// <summary>An object read back from a snapshot: pick up its rollout again if its status is behind its spec.</summary>
    void Resume(ApiResource resource, ObjectKey key, JsonObject obj, DateTimeOffset now);
}
