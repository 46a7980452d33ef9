using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Rollouts;

/// <summary>
/// Keeps webhook URLs and metadata (tokens, signed query strings) out of Durable payloads, which the task hub
/// stores as history. Observe hands on a Canary and a check plan whose webhooks keep their name, type,
/// timeouts and the scheme and host of their URL, but lose the URL's path, query and user info and their
/// metadata; the activity that calls a webhook reads the Canary again and takes
/// them back from it, provided its generation is the observed one (a webhook's URL is spec, so changing it
/// moves the generation). A Canary that changed in between is never called with a mix of two specs: the tick is
/// dropped and observed again.
/// </summary>
public static class WebhookRedaction
{
    public static Canary Redact(Canary canary)
    {
        if (!HasWebhooks(canary))
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

    public static CheckPlan Redact(CheckPlan plan) =>
        plan.Stages.Any(s => s.Webhooks.Count > 0)
            ? new CheckPlan([.. plan.Stages.Select(s => s with { Webhooks = [.. s.Webhooks.Select(w => Blank(Copy(w)))] })])
            : plan;

    private static bool HasWebhooks(Canary canary) => canary.Analysis.Webhooks is { Count: > 0 };

    public static bool HasWebhooks(CheckPlan plan) => plan.Stages.Any(s => s.Webhooks.Count > 0);

    /// <summary>Whether applying <paramref name="decision"/> calls one of the Canary's webhooks: its post-rollout hooks, or its event hooks for an Event.</summary>
    public static bool CallsWebhooks(TickDecision decision, Canary canary) =>
        (decision.Actions.Any(a => a is RunPostRolloutHooks) && canary.Analysis.WebhooksOfType(WebhookType.PostRollout).Any()) ||
        (decision.Actions.Any(a => a is RecordEvent or RunPostRolloutHooks) && canary.Analysis.WebhooksOfType(WebhookType.Event).Any());

    /// <summary>The redacted Canary with the webhooks of <paramref name="live"/>; null when the live one is gone or another generation.</summary>
    public static Canary? Restore(Canary redacted, Canary? live)
    {
        if (!IsSameGeneration(redacted, live))
        {
            return null;
        }

        var copy = Copy(redacted);
        copy.Analysis.Webhooks = [.. live!.Analysis.Webhooks ?? []];
        return copy;
    }

    /// <summary>The plan with each webhook's URL and metadata taken from <paramref name="live"/>; null as in <see cref="Restore(Canary, Canary?)"/>.</summary>
    public static CheckPlan? Restore(CheckPlan plan, Canary redacted, Canary? live)
    {
        if (!IsSameGeneration(redacted, live))
        {
            return null;
        }

        // By name and type, the n-th of a kind taking the n-th live one: nothing stops two hooks sharing a name.
        var byKind = (live!.Analysis.Webhooks ?? []).ToLookup(Kind);
        var stages = new List<CheckStage>(plan.Stages.Count);
        foreach (var stage in plan.Stages)
        {
            var webhooks = new List<CanaryWebhook>(stage.Webhooks.Count);
            var seen = new Dictionary<(string, string), int>();
            foreach (var webhook in stage.Webhooks)
            {
                var kind = Kind(webhook);
                var nth = seen[kind] = seen.GetValueOrDefault(kind) + 1;
                if (byKind[kind].ElementAtOrDefault(nth - 1) is not { } restored)
                {
                    return null;
                }

                webhooks.Add(restored);
            }

            stages.Add(stage with { Webhooks = webhooks });
        }

        return new CheckPlan(stages);
    }

    private static (string Name, string Type) Kind(CanaryWebhook webhook) => (webhook.Name, WebhookType.Normalize(webhook.Type));

    private static bool IsSameGeneration(Canary redacted, Canary? live) =>
        live is not null && live.Metadata.Uid == redacted.Metadata.Uid && live.Metadata.Generation == redacted.Metadata.Generation;

    /// <summary>
    /// Keeps the URL's scheme and authority (without user info), where tokens do not live, so the redacted Canary
    /// validates exactly as the real one: an unusable URL stays unusable, an empty one empty.
    /// </summary>
    private static CanaryWebhook Blank(CanaryWebhook webhook)
    {
        webhook.Url = string.IsNullOrWhiteSpace(webhook.Url) ? webhook.Url
            : Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
                ? $"{url.Scheme}://{url.Authority}/"
                : "redacted:unusable";
        webhook.Metadata = null;
        return webhook;
    }

    private static T Copy<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value))!;
}
