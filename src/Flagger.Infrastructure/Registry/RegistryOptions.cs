namespace Flagger.Infrastructure.Registry;

/// <summary>Which canaries registry pushes may touch (app settings <c>Registry__*</c>).</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>Comma-separated namespaces; empty watches all of them.</summary>
    public string? WatchNamespaces { get; set; }

    /// <summary>A Kubernetes label selector the Canaries must match, e.g. <c>delivery=flagger-functions</c>.</summary>
    public string? LabelSelector { get; set; }

    /// <summary>The watched namespaces; empty means all.</summary>
    public IReadOnlySet<string> Namespaces() =>
        (WatchNamespaces ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    public bool Watches(string @namespace)
    {
        var namespaces = Namespaces();
        return namespaces.Count == 0 || namespaces.Contains(@namespace);
    }
}
