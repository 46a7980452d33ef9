using System.ComponentModel.DataAnnotations;

namespace Flagger.Infrastructure.Webhooks;

/// <summary>Settings of the webhook client and the global event webhook (app settings section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>First retry delay; each further retry doubles it up to <see cref="RetryMaxDelay"/> (retryablehttp: 1 s to 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = Messages.Between)]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Caps the backoff and any <c>Retry-After</c> a receiver asks for, so one hook cannot stall a tick for long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = Messages.Between)]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How much of a failed response body goes into the event message.</summary>
    [Range(16, 4096, ErrorMessage = Messages.Between)]
    public int MaxFailureBodyLength { get; set; } = 256;

    /// <summary>
    /// Ours: how long a confirm gate may stay closed before the run ends, for canaries without the
    /// <c>flagger-functions.io/gate-timeout</c> annotation (which wins; <c>0</c> there opts out). Unset: gates wait
    /// forever, as in Flagger.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00", ErrorMessage = Messages.Between)]
    public TimeSpan? GateTimeout { get; set; }

    /// <summary>
    /// Flagger's <c>-event-webhook</c> / <c>EVENT_WEBHOOK_URL</c>: receives every event of canaries without an
    /// <c>event</c> hook of their own.
    /// </summary>
    [HttpUrl]
    [SecretSetting]
    public string? EventWebhookUrl { get; set; }
}
