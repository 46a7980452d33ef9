using System.Text.Json.Serialization;
using Flagger.Core.Analysis;

namespace Flagger.Infrastructure.Alerts;

/// <summary>
/// Where and what to post for one AlertProvider, once its address and token are resolved.
/// <paramref name="TeamsFormat"/> is the provider's explicit choice for <c>msteams</c> (Auto: by the URL).
/// </summary>
public sealed record AlertTarget(string Type, Uri Address, string? Token, string? Proxy, string Channel, string Username, TeamsFormat TeamsFormat = TeamsFormat.Auto);

/// <summary>The message bodies of Flagger's notifiers (<c>pkg/notifier/</c>), one per provider type (spec §7).</summary>
public static class AlertFormats
{
    public const string Slack = "slack";
    public const string Discord = "discord";
    public const string Rocket = "rocket";
    public const string Teams = "msteams";
    public const string GoogleChat = "gchat";

    /// <summary>Where the message goes: Discord takes Slack's format on its <c>/slack</c> endpoint.</summary>
    public static Uri PostAddress(AlertTarget target)
    {
        if (target.Type != Discord || target.Address.AbsolutePath.EndsWith("/slack", StringComparison.Ordinal))
        {
            return target.Address;
        }

        var builder = new UriBuilder(target.Address);
        builder.Path = builder.Path.TrimEnd('/') + "/slack";
        return builder.Uri;
    }

    /// <summary>
    /// The JSON body for <paramref name="target"/>'s type, or null for a type Flagger does not know. For
    /// <c>msteams</c>, an Adaptive Card in a Workflows message or Flagger's MessageCard (<see cref="TeamsFormats.Choose"/>).
    /// </summary>
    public static object? Body(AlertTarget target, string subject, SendAlert alert, IReadOnlyList<KeyValuePair<string, string>> fields) =>
        target.Type switch
        {
            Slack or Discord => SlackBody(target, subject, alert, fields, alert.Severity == AlertSeverity.Error ? "danger" : "good"),
            Rocket => SlackBody(target, subject, alert, fields, alert.Severity == AlertSeverity.Error ? "#FF0000" : "#0076D7"),
            Teams => TeamsFormats.Choose(target.Address, target.TeamsFormat) == TeamsFormat.AdaptiveCard
                ? (object)AdaptiveCardMessage.Build(subject, alert, fields)
                : TeamsBody(subject, alert, fields),
            GoogleChat => GoogleChatBody(subject, alert, fields),
            _ => null,
        };

    private static SlackPayload SlackBody(AlertTarget target, string subject, SendAlert alert, IReadOnlyList<KeyValuePair<string, string>> fields, string color) =>
        new(target.Channel, target.Username, ":rocket:",
            [new SlackAttachment(color, subject, alert.Message, ["text"], [.. fields.Select(f => new SlackField(f.Key, f.Value, false))])]);

    private static TeamsPayload TeamsBody(string subject, SendAlert alert, IReadOnlyList<KeyValuePair<string, string>> fields) =>
        new("MessageCard", "http://schema.org/extensions", alert.Severity == AlertSeverity.Error ? "FF0000" : "0076D7", subject,
            [new TeamsSection(alert.Message, subject, [.. fields.Select(f => new TeamsFact(f.Key, f.Value))])]);

    private static GoogleChatPayload GoogleChatBody(string subject, SendAlert alert, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var sections = new List<GoogleChatSection>
        {
            new([new GoogleChatWidget(new GoogleChatText($"<font color=#848484><strong>{alert.Message}</strong></font>"))]),
        };
        sections.AddRange(fields.Select(f =>
            new GoogleChatSection([new GoogleChatWidget(new GoogleChatText($"{f.Key}<br><font color=#848484><strong>{f.Value}</strong></font>"))])));
        return new GoogleChatPayload([new GoogleChatCard(new GoogleChatHeader("Flagger", subject, "https://flagger.app/favicon.png"), sections)]);
    }
}

public sealed record SlackPayload(
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("icon_emoji")] string IconEmoji,
    [property: JsonPropertyName("attachments")] IReadOnlyList<SlackAttachment> Attachments);

public sealed record SlackAttachment(
    [property: JsonPropertyName("color")] string Color,
    [property: JsonPropertyName("author_name")] string AuthorName,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("mrkdwn_in")] IReadOnlyList<string> MrkdwnIn,
    [property: JsonPropertyName("fields")] IReadOnlyList<SlackField> Fields);

public sealed record SlackField(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("short")] bool Short);

public sealed record TeamsPayload(
    [property: JsonPropertyName("@type")] string Type,
    [property: JsonPropertyName("@context")] string Context,
    [property: JsonPropertyName("themeColor")] string ThemeColor,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("sections")] IReadOnlyList<TeamsSection> Sections);

public sealed record TeamsSection(
    [property: JsonPropertyName("activityTitle")] string ActivityTitle,
    [property: JsonPropertyName("activitySubtitle")] string ActivitySubtitle,
    [property: JsonPropertyName("facts")] IReadOnlyList<TeamsFact> Facts);

public sealed record TeamsFact(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] string Value);

public sealed record GoogleChatPayload([property: JsonPropertyName("cards")] IReadOnlyList<GoogleChatCard> Cards);

public sealed record GoogleChatCard(
    [property: JsonPropertyName("header")] GoogleChatHeader Header,
    [property: JsonPropertyName("sections")] IReadOnlyList<GoogleChatSection> Sections);

public sealed record GoogleChatHeader(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("subtitle")] string Subtitle,
    [property: JsonPropertyName("imageUrl")] string ImageUrl);

public sealed record GoogleChatSection([property: JsonPropertyName("widgets")] IReadOnlyList<GoogleChatWidget> Widgets);

public sealed record GoogleChatWidget([property: JsonPropertyName("textParagraph")] GoogleChatText TextParagraph);

public sealed record GoogleChatText([property: JsonPropertyName("text")] string Text);
