using Google.Protobuf;
using Snappier;

namespace Flagger.Testing.Prometheus;

/// <summary>One series for remote write: labels (with <c>__name__</c>) and samples in time order.</summary>
public sealed record RemoteWriteSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<RemoteWriteSample> Samples);

public readonly record struct RemoteWriteSample(DateTimeOffset Timestamp, double Value);

/// <summary>
/// The Prometheus remote-write 1.0 body, written by hand: a snappy-compressed (block format) protobuf
/// <c>WriteRequest</c>. Only the fields Prometheus needs:
/// <code>
/// WriteRequest { repeated TimeSeries timeseries = 1; }
/// TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
/// Label        { string name = 1; string value = 2; }
/// Sample       { double value = 1; int64 timestamp = 2; }  // milliseconds since the epoch
/// </code>
/// </summary>
public static class RemoteWrite
{
    public static byte[] Encode(IEnumerable<RemoteWriteSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var request = Message(output =>
        {
            foreach (var one in series)
            {
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(TimeSeries(one)));
            }
        });
        return Snappy.CompressToArray(request);
    }

    /// <summary>POSTs the series to <c>/api/v1/write</c> with the remote-write headers; throws with the body when refused.</summary>
    public static async Task PushAsync(HttpClient http, Uri prometheus, IEnumerable<RemoteWriteSeries> series, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var content = new ByteArrayContent(Encode(series));
        content.Headers.ContentType = new("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(prometheus, "api/v1/write")) { Content = content };
        request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"remote write refused: {(int)response.StatusCode} {body}");
        }
    }

    private static byte[] TimeSeries(RemoteWriteSeries series) => Message(output =>
    {
        // Prometheus expects labels sorted by name.
        foreach (var (name, value) in series.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Message(label =>
            {
                label.WriteTag(1, WireFormat.WireType.LengthDelimited);
                label.WriteString(name);
                label.WriteTag(2, WireFormat.WireType.LengthDelimited);
                label.WriteString(value);
            })));
        }

        foreach (var sample in series.Samples)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Message(s =>
            {
                s.WriteTag(1, WireFormat.WireType.Fixed64);
                s.WriteDouble(sample.Value);
                s.WriteTag(2, WireFormat.WireType.Varint);
                s.WriteInt64(sample.Timestamp.ToUnixTimeMilliseconds());
            })));
        }
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
            output.Flush();
        }

        return buffer.ToArray();
    }
}
