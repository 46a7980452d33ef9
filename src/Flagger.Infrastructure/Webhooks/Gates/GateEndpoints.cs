using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Infrastructure.Webhooks.Gates;

/// <summary>
/// The flagger-loadtester's gate endpoints (spec §6.4) as plain handlers: the host and the Functions app read
/// the request body, call <see cref="HandleAsync"/> (or one handler) and write back the status and text.
/// Confirm gates are keyed <c>name.namespace</c>, rollback gates <c>rollback.name.namespace</c>.
/// </summary>
public sealed class GateEndpoints(IGateStore gates)
{
    public const string Approve = "/gate/approve";
    public const string Halt = "/gate/halt";
    public const string Check = "/gate/check";
    public const string Open = "/gate/open";
    public const string Close = "/gate/close";
    public const string RollbackCheck = "/rollback/check";
    public const string RollbackOpen = "/rollback/open";
    public const string RollbackClose = "/rollback/close";

    public static readonly IReadOnlyList<string> Paths = [Approve, Halt, Check, Open, Close, RollbackCheck, RollbackOpen, RollbackClose];

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The loadtester path for a route under <c>/api/gates/</c>: <c>check</c> is <c>/gate/check</c>,
    /// <c>rollback/check</c> is <c>/rollback/check</c>.
    /// </summary>
    public static string PathFor(string action) =>
        action.StartsWith("rollback/", StringComparison.Ordinal) ? "/" + action : "/gate/" + action;

    /// <summary>The paths that change a gate: only a POST may (a GET from a crawler or a prefetching proxy must not open one).</summary>
    public static readonly IReadOnlySet<string> StateChanging = new HashSet<string>(StringComparer.Ordinal) { Open, Close, RollbackOpen, RollbackClose };

    /// <summary>As <see cref="HandleAsync(string, string, CancellationToken)"/> for an HTTP request: a gate change by anything but POST is 405.</summary>
    public Task<GateResponse> HandleAsync(string method, string path, string body, CancellationToken cancellationToken) =>
        !string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase) && StateChanging.Contains(path.TrimEnd('/'))
            ? Task.FromResult(new GateResponse(405, $"{path.TrimEnd('/')} changes a gate: POST only"))
            : HandleAsync(path, body, cancellationToken);

    /// <summary>Dispatches on the path; an unknown path is 404, an unreadable payload 400.</summary>
    public Task<GateResponse> HandleAsync(string path, string body, CancellationToken cancellationToken)
    {
        switch (path.TrimEnd('/'))
        {
            case Approve:
                return Task.FromResult(ApproveGate());
            case Halt:
                return Task.FromResult(HaltGate());
        }

        if (!Paths.Contains(path.TrimEnd('/')))
        {
            return Task.FromResult(new GateResponse(404, "Not Found"));
        }

        if (!TryParse(body, out var payload, out var error))
        {
            return Task.FromResult(error);
        }

        return path.TrimEnd('/') switch
        {
            Check => CheckAsync(payload, cancellationToken),
            Open => OpenAsync(payload, cancellationToken),
            Close => CloseAsync(payload, cancellationToken),
            RollbackCheck => CheckRollbackAsync(payload, cancellationToken),
            RollbackOpen => OpenRollbackAsync(payload, cancellationToken),
            _ => CloseRollbackAsync(payload, cancellationToken),
        };
    }

    /// <summary>Parses a webhook payload; name and namespace are required and must be Kubernetes names, since they name the gate.</summary>
    public static bool TryParse(string body, out WebhookPayload payload, out GateResponse error)
    {
        payload = null!;
        error = default;
        try
        {
            var parsed = JsonSerializer.Deserialize<WebhookPayload>(body, s_json);
            if (parsed is null || string.IsNullOrEmpty(parsed.Name) || string.IsNullOrEmpty(parsed.Namespace))
            {
                error = new GateResponse(400, "payload needs name and namespace");
                return false;
            }

            if (KubernetesNames.WhyNotCanary(parsed.Namespace, parsed.Name) is { } reason)
            {
                error = new GateResponse(400, reason);
                return false;
            }

            payload = parsed;
            return true;
        }
        catch (JsonException exception)
        {
            error = new GateResponse(400, $"invalid payload: {exception.Message}");
            return false;
        }
    }

    public static GateResponse ApproveGate() => new(200, "OK");

    public static GateResponse HaltGate() => new(403, "Forbidden");

    public async Task<GateResponse> CheckAsync(WebhookPayload payload, CancellationToken cancellationToken) =>
        await gates.IsOpenAsync(GateKey.Confirm(payload.Name, payload.Namespace), cancellationToken) ? new(200, "Approved") : new(403, "Forbidden");

    public async Task<GateResponse> OpenAsync(WebhookPayload payload, CancellationToken cancellationToken)
    {
        await gates.OpenAsync(GateKey.Confirm(payload.Name, payload.Namespace), cancellationToken);
        return new GateResponse(202, "Gate opened");
    }

    public async Task<GateResponse> CloseAsync(WebhookPayload payload, CancellationToken cancellationToken)
    {
        await gates.CloseAsync(GateKey.Confirm(payload.Name, payload.Namespace), cancellationToken);
        return new GateResponse(202, "Gate closed");
    }

    public async Task<GateResponse> CheckRollbackAsync(WebhookPayload payload, CancellationToken cancellationToken) =>
        await gates.IsOpenAsync(GateKey.Rollback(payload.Name, payload.Namespace), cancellationToken) ? new(200, "Approved") : new(403, "Forbidden");

    public async Task<GateResponse> OpenRollbackAsync(WebhookPayload payload, CancellationToken cancellationToken)
    {
        await gates.OpenAsync(GateKey.Rollback(payload.Name, payload.Namespace), cancellationToken);
        return new GateResponse(202, "Rollback gate opened");
    }

    public async Task<GateResponse> CloseRollbackAsync(WebhookPayload payload, CancellationToken cancellationToken)
    {
        await gates.CloseAsync(GateKey.Rollback(payload.Name, payload.Namespace), cancellationToken);
        return new GateResponse(202, "Rollback gate closed");
    }
}

/// <summary>What a gate endpoint answers: an HTTP status and a plain-text body.</summary>
public readonly record struct GateResponse(int StatusCode, string Text);
