using System.Text.Json.Serialization;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>Calls a canary webhook with Flagger's payload (spec §6.2).</summary>
public interface IWebhookClient
{
    Task<WebhookResult> CallAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken);
}

public sealed record WebhookPayload(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("checksum")] string Checksum,
    [property: JsonPropertyName("metadata"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Metadata);

/// <summary>Success is any 2xx (Flagger: ≤ 202). <see cref="Message"/> is the failure text, without secrets.</summary>
public sealed record WebhookResult(bool Succeeded, int? StatusCode, string Message)
{
    public static WebhookResult Success(int statusCode = 200) => new(true, statusCode, "");

    public static WebhookResult Failure(string message, int? statusCode = null) => new(false, statusCode, message);
}
