using System.Globalization;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Webhooks;

/// <summary>
/// Records an event with the inner recorder, then posts it to the canary's <c>event</c> hooks, or to the global
/// event webhook when the canary has none (spec §6.1, §6.3). A failing hook is logged, never thrown.
/// </summary>
public sealed class EventWebhookRecorder(
    IEventRecorder inner,
    IWebhookClient webhooks,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<EventWebhookRecorder> logger) : IEventRecorder
{
    /// <summary>The name Flagger gives the global event webhook.</summary>
    public const string GlobalWebhookName = "events";

    public const string EventMessageKey = "eventMessage";
    public const string EventTypeKey = "eventType";
    public const string TimestampKey = "timestamp";

    public async Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken)
    {
        await inner.RecordAsync(canary, canaryEvent, cancellationToken);

        foreach (var hook in EventHooks(canary))
        {
            try
            {
                var result = await webhooks.CallAsync(hook, Payload(canary, canaryEvent, hook, time.GetUtcNow()), cancellationToken);
                if (!result.Succeeded)
                {
                    Logs.EventWebhookFailed(logger, hook.Name, canary.Metadata.NamespaceProperty, canary.Metadata.Name, result.Message);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Logs.EventWebhookThrew(logger, hook.Name, canary.Metadata.NamespaceProperty, canary.Metadata.Name, exception);
            }
        }
    }

    /// <summary>Flagger's event payload: the hook's metadata, with the event's three keys taking precedence.</summary>
    public static WebhookPayload Payload(Canary canary, RecordEvent canaryEvent, CanaryWebhook hook, DateTimeOffset now)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EventMessageKey] = canaryEvent.Message,
            [EventTypeKey] = canaryEvent.Severity == EventSeverity.Info ? "Normal" : "Warning",
            [TimestampKey] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in hook.Metadata ?? new Dictionary<string, string>())
        {
            metadata.TryAdd(key, value);
        }

        var phase = canaryEvent.Phase ?? canary.Status?.Phase;
        return new WebhookPayload(
            canary.Metadata.Name, canary.Metadata.NamespaceProperty, phase?.ToString() ?? "", CheckRunner.Checksum(canary.Status), metadata);
    }

    private IEnumerable<CanaryWebhook> EventHooks(Canary canary)
    {
        var own = canary.Analysis.WebhooksOfType(WebhookType.Event).ToList();
        if (own.Count > 0)
        {
            return own;
        }

        return string.IsNullOrWhiteSpace(options.Value.EventWebhookUrl)
            ? []
            : [new CanaryWebhook { Name = GlobalWebhookName, Type = WebhookType.Event, Url = options.Value.EventWebhookUrl }];
    }
}
