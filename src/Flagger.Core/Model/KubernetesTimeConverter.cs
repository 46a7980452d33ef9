using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flagger.Core.Model;

/// <summary>
/// A Kubernetes <c>metav1.Time</c>: RFC 3339 in UTC to the second (<c>2026-12-03T13:08:08Z</c>), as the API
/// server and Flagger write status times and as kubectl prints them. Reads any ISO 8601 time.
/// </summary>
public sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("a time must be a string"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
