using System.Text.Json.Serialization;
using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Infrastructure.Alerts;

/// <summary>
/// The Teams Workflows message for an alert: <c>{"type":"message","attachments":[{"contentType":
/// "application/vnd.microsoft.card.adaptive","contentUrl":null,"content":card}]}</c>, the card within Adaptive
/// Cards 1.4 (what Teams renders). It carries what Flagger's MessageCard carries: the subject (<c>name.namespace</c>),
/// the message and the fields as facts; Adaptive Cards have no theme colour, so the severity is the style of
/// the header container (error <c>attention</c>, warn <c>warning</c>, a finished promotion <c>good</c>, else <c>accent</c>).
/// </summary>
public static class AdaptiveCardMessage
{
    public const string MessageType = "message";
    public const string ContentType = "application/vnd.microsoft.card.adaptive";
    public const string Schema = "http://adaptivecards.io/schemas/adaptive-card.json";
    public const string Version = "1.4";

    public static TeamsWorkflowMessage Build(string subject, SendAlert alert, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var body = new List<object>
        {
            new AdaptiveContainer(Style(alert), Bleed: true,
            [
                new AdaptiveTextBlock(subject, Weight: "Bolder", Size: "Medium"),
                new AdaptiveTextBlock(alert.Message),
            ]),
        };
        if (fields.Count > 0)
        {
            // A FactSet must have facts: without fields there is none, as the MessageCard then has no facts either.
            body.Add(new AdaptiveFactSet([.. fields.Select(f => new AdaptiveFact(f.Key, f.Value))]));
        }

        var card = new AdaptiveCard(Schema, "AdaptiveCard", Version, $"{subject}: {alert.Message}", new TeamsCardOptions("Full"), body);
        return new TeamsWorkflowMessage(MessageType, [new TeamsAttachment(ContentType, null, card)]);
    }

    /// <summary>The header container's style for <paramref name="alert"/>'s severity (and phase, for a finished promotion).</summary>
    public static string Style(SendAlert alert) => alert.Severity switch
    {
        AlertSeverity.Error => "attention",
        AlertSeverity.Warn => "warning",
        _ when alert.Phase == CanaryPhase.Succeeded => "good",
        _ => "accent",
    };
}

public sealed record TeamsWorkflowMessage(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("attachments")] IReadOnlyList<TeamsAttachment> Attachments);

public sealed record TeamsAttachment(
    [property: JsonPropertyName("contentType")] string ContentType,
    [property: JsonPropertyName("contentUrl")] string? ContentUrl,
    [property: JsonPropertyName("content")] AdaptiveCard Content);

public sealed record AdaptiveCard(
    [property: JsonPropertyName("$schema")] string Schema,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("fallbackText")] string FallbackText,
    [property: JsonPropertyName("msteams")] TeamsCardOptions MsTeams,
    [property: JsonPropertyName("body")] IReadOnlyList<object> Body);

/// <summary>Teams' card extension: <c>width: Full</c> lets the card take the channel's width.</summary>
public sealed record TeamsCardOptions([property: JsonPropertyName("width")] string Width);

public sealed record AdaptiveContainer(
    [property: JsonPropertyName("style")] string Style,
    [property: JsonPropertyName("bleed")] bool Bleed,
    [property: JsonPropertyName("items")] IReadOnlyList<AdaptiveTextBlock> Items)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)]
    public string Type => "Container";
}

public sealed record AdaptiveTextBlock(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("weight"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Weight = null,
    [property: JsonPropertyName("size"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Size = null)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)]
    public string Type => "TextBlock";

    [JsonPropertyName("wrap")]
    public bool Wrap => true;
}

public sealed record AdaptiveFactSet([property: JsonPropertyName("facts")] IReadOnlyList<AdaptiveFact> Facts)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)]
    public string Type => "FactSet";
}

public sealed record AdaptiveFact(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("value")] string Value);
