using System.Text.Json;
using Flagger.Core.Model;

namespace Flagger.Rollouts;

/// <summary>
/// Keeps webhook URLs and metadata (tokens, signed query strings) out of the state store: a begun tick's stored
/// observation (<see cref="Core.Ports.BegunTick"/>) holds a Canary whose webhooks keep their name, type, timeouts
/// and the scheme and host of their URL, but lose the URL's path, query and user info and their metadata. The
/// attempt that finishes the tick takes them back from the Canary it has just read, provided its generation is the
/// stored one (a webhook's URL is spec, so changing it moves the generation).
/// </summary>
public static class WebhookRedaction
{
    public static Canary Redact(Canary canary)
    {
        if (canary.Analysis.Webhooks is not { Count: > 0 })
        {
            return canary;
        }

        var copy = Copy(canary);
        foreach (var webhook in copy.Analysis.Webhooks!)
        {
            Blank(webhook);
        }

        return copy;
    }

    /// <summary>The redacted Canary with the webhooks of <paramref name="live"/>; null when the live one is another Canary or another generation.</summary>
    public static Canary? Restore(Canary redacted, Canary live)
    {
        if (live.Metadata.Uid != redacted.Metadata.Uid || live.Metadata.Generation != redacted.Metadata.Generation)
        {
            return null;
        }

        if (redacted.Analysis.Webhooks is not { Count: > 0 })
        {
            return redacted;
        }

        var copy = Copy(redacted);
        copy.Analysis.Webhooks = [.. live.Analysis.Webhooks ?? []];
        return copy;
    }

    /// <summary>
    /// Keeps the URL's scheme and authority (without user info), where tokens do not live, so the redacted Canary
    /// validates exactly as the real one: an unusable URL stays unusable, an empty one empty.
    /// </summary>
    private static void Blank(CanaryWebhook webhook)
    {
        webhook.Url = string.IsNullOrWhiteSpace(webhook.Url) ? webhook.Url
            : Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
                ? $"{url.Scheme}://{url.Authority}/"
                : "redacted:unusable";
        webhook.Metadata = null;
    }

    private static T Copy<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value))!;
}
