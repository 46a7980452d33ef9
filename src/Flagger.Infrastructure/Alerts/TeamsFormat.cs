namespace Flagger.Infrastructure.Alerts;

/// <summary>What an <c>msteams</c> provider is sent: Flagger's MessageCard, or an Adaptive Card in a Workflows message.</summary>
public enum TeamsFormat
{
    /// <summary>Chosen by the URL (<see cref="TeamsFormats.FromUrl"/>).</summary>
    Auto,

    /// <summary>A <c>message</c> with one Adaptive Card attachment: what Teams Workflows (Power Automate) webhooks take.</summary>
    AdaptiveCard,

    /// <summary>Flagger's MessageCard: what the retired Office 365 connector webhooks take.</summary>
    MessageCard,
}

/// <summary>
/// How the Teams format is chosen: an explicit setting (the AlertProvider annotation <see cref="Annotation"/>,
/// or <c>Alerts:TeamsFormat</c> for the global notifier) wins; otherwise a Workflows URL gets an Adaptive Card
/// and any other URL (a connector's <c>webhook.office.com/webhookb2/…</c>, or one we do not recognise) Flagger's MessageCard.
/// </summary>
public static class TeamsFormats
{
    /// <summary>On an AlertProvider: <c>adaptive-card</c>, <c>message-card</c> or <c>auto</c> (the same as none).</summary>
    public const string Annotation = "flagger-functions.io/teams-format";

    public const string AdaptiveCardValue = "adaptive-card";
    public const string MessageCardValue = "message-card";
    public const string AutoValue = "auto";

    // Teams Workflows URLs are a Logic Apps request trigger on a regional logic.azure.com host, or a Power
    // Platform environment host (…environment.api.powerplatform.com/powerautomate/automations/direct/workflows/…).
    private static readonly string[] s_workflowsHosts = ["logic.azure.com", "logic.azure.us", "logic.azure.cn", "powerplatform.com", "powerautomate.com"];

    // Office 365 connector webhooks: <tenant>.webhook.office.com/webhookb2/… and the older outlook.office.com/webhook/….
    private static readonly string[] s_connectorHosts = ["webhook.office.com", "outlook.office.com", "outlook.office365.com"];

    /// <summary>The setting, exactly one of the lowercase values; null or empty is <see cref="TeamsFormat.Auto"/>, any other value null.</summary>
    public static TeamsFormat? Parse(string? value) => value switch
    {
        null or "" or AutoValue => TeamsFormat.Auto,
        AdaptiveCardValue => TeamsFormat.AdaptiveCard,
        MessageCardValue => TeamsFormat.MessageCard,
        _ => null,
    };

    /// <summary>The format to send to <paramref name="address"/>: <paramref name="setting"/> unless it is Auto.</summary>
    public static TeamsFormat Choose(Uri address, TeamsFormat setting) => setting == TeamsFormat.Auto ? FromUrl(address) : setting;

    /// <summary>
    /// Adaptive Card for a Workflows URL (a workflows/{id}/triggers/{name}/paths/invoke path, whatever the host,
    /// or a Logic Apps or Power Platform host); MessageCard for a connector URL and for anything else, as Flagger.
    /// </summary>
    public static TeamsFormat FromUrl(Uri address)
    {
        if (UnderAny(address.IdnHost, s_connectorHosts) || address.AbsolutePath.StartsWith("/webhookb2/", StringComparison.OrdinalIgnoreCase))
        {
            return TeamsFormat.MessageCard;
        }

        return HasWorkflowTriggerPath(address.AbsolutePath) || UnderAny(address.IdnHost, s_workflowsHosts)
            ? TeamsFormat.AdaptiveCard
            : TeamsFormat.MessageCard;
    }

    private static bool HasWorkflowTriggerPath(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 5 < segments.Length; i++)
        {
            if (Is(segments[i], "workflows") && Is(segments[i + 2], "triggers") && Is(segments[i + 4], "paths") && Is(segments[i + 5], "invoke"))
            {
                return true;
            }
        }

        return false;

        static bool Is(string segment, string name) => segment.Equals(name, StringComparison.OrdinalIgnoreCase);
    }

    private static bool UnderAny(string host, string[] domains) =>
        domains.Any(d => host.Equals(d, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + d, StringComparison.OrdinalIgnoreCase));
}
