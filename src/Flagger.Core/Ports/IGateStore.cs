namespace Flagger.Core.Ports;

/// <summary>
/// Open or closed gates behind the built-in confirm and rollback endpoints (spec §6.4). A gate never opened
/// is closed. Keys come from <see cref="GateKey"/>.
/// </summary>
public interface IGateStore
{
    Task<bool> IsOpenAsync(string key, CancellationToken cancellationToken);

    Task OpenAsync(string key, CancellationToken cancellationToken);

    Task CloseAsync(string key, CancellationToken cancellationToken);
}

/// <summary>The flagger-loadtester's gate names, so the same canary hooks work against either.</summary>
public static class GateKey
{
    /// <summary>The confirm gate of a canary: <c>name.namespace</c>.</summary>
    public static string Confirm(string name, string @namespace) => $"{name}.{@namespace}";

    /// <summary>The rollback gate of a canary: <c>rollback.name.namespace</c>.</summary>
    public static string Rollback(string name, string @namespace) => $"rollback.{name}.{@namespace}";
}
