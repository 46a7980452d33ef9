using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;

namespace Flagger.Infrastructure.Registry;

/// <summary>What a POSTed body holds, read without side effects.</summary>
public abstract record RegistryDelivery
{
    private RegistryDelivery()
    {
    }

    /// <summary>Cannot be read, or an ImagePushed event lacks what we need: Event Grid must not send it again.</summary>
    public sealed record Malformed(string Reason) : RegistryDelivery;

    /// <summary>An Event Grid schema subscription validation.</summary>
    public sealed record Validation(string Code) : RegistryDelivery;

    public sealed record Events(IReadOnlyList<RegistryEvent> Items) : RegistryDelivery;
}

/// <summary>One event of a delivery: an image push to act on, or a reason it is ignored.</summary>
public sealed record RegistryEvent(string Id, string Type, ImagePush? Push, string? Ignored);

/// <summary>
/// Reads an Event Grid delivery in either schema with Azure.Messaging.EventGrid. The schema comes from the
/// content type (<c>application/cloudevents+json</c>, <c>application/cloudevents-batch+json</c>) or, for plain
/// JSON, from the first event's shape (<c>specversion</c> or <c>eventType</c>).
/// </summary>
public static class RegistryEventReader
{
    private enum Schema
    {
        Unknown,
        Empty,
        EventGrid,
        CloudEvents,
    }

    public static RegistryDelivery Read(ReadOnlyMemory<byte> body, string? contentType)
    {
        if (body.IsEmpty)
        {
            return new RegistryDelivery.Malformed("the body is empty");
        }

        Schema schema;
        try
        {
            schema = Detect(body.Span);
        }
        catch (JsonException e)
        {
            return new RegistryDelivery.Malformed($"the body is not JSON: {e.Message}");
        }

        if (schema == Schema.Empty)
        {
            return new RegistryDelivery.Events([]);
        }

        if (IsCloudEventsContentType(contentType))
        {
            schema = Schema.CloudEvents;
        }

        try
        {
            return schema switch
            {
                Schema.EventGrid => ReadEventGrid(EventGridEvent.ParseMany(BinaryData.FromBytes(body))),
                Schema.CloudEvents => ReadCloudEvents(CloudEvent.ParseMany(BinaryData.FromBytes(body))),
                _ => new RegistryDelivery.Malformed("the body is neither Event Grid events (eventType) nor CloudEvents (specversion)"),
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException or NotSupportedException)
        {
            return new RegistryDelivery.Malformed($"the events cannot be read: {e.Message}");
        }
    }

    private static RegistryDelivery ReadEventGrid(EventGridEvent[] events)
    {
        var items = new List<RegistryEvent>(events.Length);
        foreach (var e in events)
        {
            if (e.EventType == SystemEventNames.EventGridSubscriptionValidation)
            {
                return e.TryGetSystemEventData(out var data) && data is SubscriptionValidationEventData { ValidationCode: { Length: > 0 } code }
                    ? new RegistryDelivery.Validation(code)
                    : new RegistryDelivery.Malformed($"event {e.Id}: a subscription validation without a validationCode");
            }

            var item = Classify(e.Id, e.EventType, e.EventTime, e.TryGetSystemEventData, out var malformed);
            if (malformed is not null)
            {
                return new RegistryDelivery.Malformed(malformed);
            }

            items.Add(item!);
        }

        return new RegistryDelivery.Events(items);
    }

    private static RegistryDelivery ReadCloudEvents(CloudEvent[] events)
    {
        var items = new List<RegistryEvent>(events.Length);
        foreach (var e in events)
        {
            var item = Classify(e.Id, e.Type, e.Time, (out object? data) => e.TryGetSystemEventData(out data), out var malformed);
            if (malformed is not null)
            {
                return new RegistryDelivery.Malformed(malformed);
            }

            items.Add(item!);
        }

        return new RegistryDelivery.Events(items);
    }

    private delegate bool SystemDataReader(out object? data);

    private static RegistryEvent? Classify(string id, string type, DateTimeOffset? time, SystemDataReader readData, out string? malformed)
    {
        malformed = null;
        // The id is what makes redeliveries idempotent: without one, nothing may be done (checked before any side effect).
        if (string.IsNullOrWhiteSpace(id))
        {
            malformed = $"an event of type {type} has an empty id";
            return null;
        }

        if (type != SystemEventNames.ContainerRegistryImagePushed)
        {
            var why = type is SystemEventNames.ContainerRegistryImageDeleted or SystemEventNames.ContainerRegistryChartPushed or SystemEventNames.ContainerRegistryChartDeleted
                ? $"{type} is not deployed"
                : $"event type {type} is not handled";
            return new RegistryEvent(id, type, null, why);
        }

        if (!readData(out var data) || data is not ContainerRegistryImagePushedEventData pushed)
        {
            malformed = $"event {id}: {type} without its data";
            return null;
        }

        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(pushed.Target?.Repository))
        {
            missing.Add("data.target.repository");
        }

        if (string.IsNullOrWhiteSpace(pushed.Target?.Digest))
        {
            missing.Add("data.target.digest");
        }

        if (string.IsNullOrWhiteSpace(pushed.Request?.Host))
        {
            missing.Add("data.request.host");
        }

        var at = pushed.Timestamp ?? time;
        if (at is null)
        {
            missing.Add("data.timestamp (or the event time)");
        }

        if (missing.Count > 0)
        {
            malformed = $"event {id}: {type} without {string.Join(", ", missing)}";
            return null;
        }

        if (string.IsNullOrWhiteSpace(pushed.Target!.Tag))
        {
            return new RegistryEvent(id, type, null, $"{pushed.Target.Repository}@{pushed.Target.Digest} was pushed without a tag");
        }

        var push = new ImagePush(id, pushed.Request!.Host, pushed.Target.Repository, pushed.Target.Tag, pushed.Target.Digest, at!.Value);
        return new RegistryEvent(id, type, push, null);
    }

    private static bool IsCloudEventsContentType(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/cloudevents+json", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/cloudevents-batch+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>Peeks at the top-level properties of the first event, without building a document.</summary>
    private static Schema Detect(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read())
        {
            return Schema.Unknown;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            if (!reader.Read())
            {
                return Schema.Unknown;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return Schema.Empty;
            }
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Schema.Unknown;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("specversion"u8))
            {
                return Schema.CloudEvents;
            }

            if (reader.ValueTextEquals("eventType"u8))
            {
                return Schema.EventGrid;
            }

            reader.Read();
            reader.Skip();
        }

        return Schema.Unknown;
    }
}
