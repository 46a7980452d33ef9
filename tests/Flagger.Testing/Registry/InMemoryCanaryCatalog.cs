using System.Globalization;
using Flagger.Core.Ports;

namespace Flagger.Testing.Registry;

/// <summary>
/// Canaries and their target Deployments in memory, faithful where the registry webhook relies on it:
/// every patch bumps the resourceVersion and a patch from a stale read is a <see cref="ImagePatchOutcome.Conflict"/>.
/// Failures queued in <see cref="ListFailures"/> and <see cref="PatchFailures"/> are thrown by the next calls.
/// </summary>
public sealed class InMemoryCanaryCatalog : ICanaryCatalog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), Entry> _entries = [];
    private readonly List<ImagePatch> _patches = [];
    private long _resourceVersion = 100;

    public Queue<Exception> ListFailures { get; } = new();

    public Queue<Exception> PatchFailures { get; } = new();

    /// <summary>Runs before each patch is applied, to change the target under it (a racing writer).</summary>
    public Action<InMemoryCanaryCatalog, CanaryTarget>? BeforePatch { get; set; }

    public IReadOnlyList<ImagePatch> Patches
    {
        get
        {
            lock (_lock)
            {
                return [.. _patches];
            }
        }
    }

    public InMemoryCanaryCatalog Add(string @namespace, string name, string image, IReadOnlyDictionary<string, string>? annotations = null, string container = "podinfo")
    {
        return AddWithContainers(@namespace, name, annotations, (container, image));
    }

    public InMemoryCanaryCatalog AddWithContainers(string @namespace, string name, IReadOnlyDictionary<string, string>? annotations, params (string Name, string Image)[] containers)
    {
        lock (_lock)
        {
            _entries[(@namespace, name)] = new Entry(
                new Dictionary<string, string>(annotations ?? new Dictionary<string, string>()),
                name,
                NextVersion(),
                containers.Select(c => new TargetContainer(c.Name, c.Image)).ToList(),
                null);
        }

        return this;
    }

    public string Image(string @namespace, string name, string container = "podinfo")
    {
        lock (_lock)
        {
            return _entries[(@namespace, name)].Containers.Single(c => c.Name == container).Image;
        }
    }

    /// <summary>Sets a container's image the way kubectl or GitOps would, bumping the resourceVersion.</summary>
    public void SetImageDirectly(string @namespace, string name, string container, string image)
    {
        lock (_lock)
        {
            var entry = _entries[(@namespace, name)];
            _entries[(@namespace, name)] = entry with
            {
                ResourceVersion = NextVersion(),
                Containers = entry.Containers.Select(c => c.Name == container ? c with { Image = image } : c).ToList(),
            };
        }
    }

    /// <summary>How often the catalog was listed, and how often one target was read.</summary>
    public (int Lists, int Gets) Reads { get; private set; }

    public Task<IReadOnlyList<CanaryTarget>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Reads = (Reads.Lists + 1, Reads.Gets);
            if (ListFailures.TryDequeue(out var failure))
            {
                throw failure;
            }

            return Task.FromResult<IReadOnlyList<CanaryTarget>>(_entries.Select(e => ToTarget(e.Key, e.Value)).ToList());
        }
    }

    public Task<CanaryTarget?> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Reads = (Reads.Lists, Reads.Gets + 1);
            return Task.FromResult(_entries.TryGetValue((@namespace, name), out var entry) ? ToTarget((@namespace, name), entry) : null);
        }
    }

    /// <summary>Warning Events recorded on canaries, as (namespace, name, message).</summary>
    public List<(string Namespace, string Name, string Message)> Warnings { get; } = [];

    /// <summary>Deletes the primary Deployment: the catalog refuses to patch the target (<see cref="ImagePatchOutcome.Uninitialised"/>).</summary>
    public InMemoryCanaryCatalog WithoutPrimary(string @namespace, string name)
    {
        lock (_lock)
        {
            _entries[(@namespace, name)] = _entries[(@namespace, name)] with { PrimaryMissing = true };
        }

        return this;
    }

    /// <summary>Marks a canary's target as one a push may not reach (an invalid or uninitialised Canary).</summary>
    public InMemoryCanaryCatalog Block(string @namespace, string name, string reason)
    {
        lock (_lock)
        {
            _entries[(@namespace, name)] = _entries[(@namespace, name)] with { Blocked = reason };
        }

        return this;
    }

    public Task WarnAsync(CanaryTarget target, string message, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Warnings.Add((target.Namespace, target.Name, message));
        }

        return Task.CompletedTask;
    }

    /// <summary>Normal Events recorded on canaries, as (namespace, name, message).</summary>
    public List<(string Namespace, string Name, string Message)> Notices { get; } = [];

    public Task InformAsync(CanaryTarget target, string message, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Notices.Add((target.Namespace, target.Name, message));
        }

        return Task.CompletedTask;
    }

    public Task<ImagePatchOutcome> SetImageAsync(CanaryTarget target, string container, string image, DateTimeOffset pushedAt, CancellationToken cancellationToken)
    {
        BeforePatch?.Invoke(this, target);
        lock (_lock)
        {
            if (PatchFailures.TryDequeue(out var failure))
            {
                throw failure;
            }

            if (!_entries.TryGetValue((target.Namespace, target.Name), out var entry) || entry.Containers.All(c => c.Name != container))
            {
                return Task.FromResult(ImagePatchOutcome.NotFound);
            }

            if (entry.PrimaryMissing)
            {
                return Task.FromResult(ImagePatchOutcome.Uninitialised);
            }

            if (entry.ResourceVersion != target.ResourceVersion)
            {
                return Task.FromResult(ImagePatchOutcome.Conflict);
            }

            _entries[(target.Namespace, target.Name)] = entry with
            {
                ResourceVersion = NextVersion(),
                Containers = entry.Containers.Select(c => c.Name == container ? c with { Image = image } : c).ToList(),
                LastPushAt = pushedAt,
            };
            _patches.Add(new ImagePatch(target.Namespace, target.Name, container, image, pushedAt));
            return Task.FromResult(ImagePatchOutcome.Patched);
        }
    }

    private string NextVersion() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static CanaryTarget ToTarget((string Namespace, string Name) key, Entry entry) =>
        new(key.Namespace, key.Name, entry.Annotations, entry.Deployment, entry.ResourceVersion, entry.Containers, entry.LastPushAt) { Blocked = entry.Blocked };

    private sealed record Entry(
        IReadOnlyDictionary<string, string> Annotations,
        string Deployment,
        string ResourceVersion,
        IReadOnlyList<TargetContainer> Containers,
        DateTimeOffset? LastPushAt)
    {
        public string? Blocked { get; init; }

        public bool PrimaryMissing { get; init; }
    }
}

public sealed record ImagePatch(string Namespace, string Name, string Container, string Image, DateTimeOffset PushedAt);
