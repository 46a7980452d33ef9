using System.ComponentModel.DataAnnotations;

namespace Flagger.Infrastructure.Alerts;

/// <summary>
/// The global notifier (Flagger's <c>-slack-*</c> and <c>-msteams-*</c> flags), used only for canaries without
/// <c>analysis.alerts</c>, and settings of every alert post (app settings section <c>Alerts</c>).
/// </summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>An incoming webhook: its URL is the credential.</summary>
    [HttpUrl]
    [SecretSetting]
    public string? SlackUrl { get; set; }

    /// <summary>Bot token for <c>chat.postMessage</c>; sent as <c>Authorization: Bearer</c>.</summary>
    [SecretSetting]
    public string? SlackToken { get; set; }

    [HttpUrl]
    public string? SlackProxyUrl { get; set; }

    public string SlackUser { get; set; } = AlertDefaults.Username;

    public string SlackChannel { get; set; } = AlertDefaults.Channel;

    [HttpUrl]
    [SecretSetting]
    public string? TeamsUrl { get; set; }

    [HttpUrl]
    public string? TeamsProxyUrl { get; set; }

    /// <summary>
    /// What <see cref="TeamsUrl"/> is sent: <c>adaptive-card</c> (a Teams Workflows message), <c>message-card</c>
    /// (Flagger's MessageCard, for an Office 365 connector URL), or empty / <c>auto</c>: chosen by the URL.
    /// </summary>
    [AllowedValues(null, "", TeamsFormats.AutoValue, TeamsFormats.AdaptiveCardValue, TeamsFormats.MessageCardValue)]
    public string? TeamsFormat { get; set; }

    /// <summary>Flagger's <c>-cluster-name</c>: when set, every alert carries a <c>Cluster</c> field.</summary>
    public string? ClusterName { get; set; }

    /// <summary>Per post, as Flagger's notifier.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = Messages.Between)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}

public static class AlertDefaults
{
    public const string Channel = "general";
    public const string Username = "flagger";
}
