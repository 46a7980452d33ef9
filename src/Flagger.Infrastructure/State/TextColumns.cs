using System.IO.Compression;
using System.Text;
using Azure.Data.Tables;

namespace Flagger.Infrastructure.State;

/// <summary>
/// Text (JSON) in a table entity despite the service's 64 KiB property limit. A text of at most
/// <see cref="InlineLimit"/> characters (UTF-16, so under 64 KiB) is one readable string column
/// <c>{name}</c>; a longer one is gzip-compressed and split into binary columns <c>{name}Gzip0..n</c> of at
/// most <see cref="PartBytes"/> bytes, with their count in <c>{name}GzipParts</c>. All parts live in the same
/// entity, so a write is still one atomic operation: never half a status.
/// </summary>
internal static class TextColumns
{
    public const int InlineLimit = 32_000;
    public const int PartBytes = 64_000;

    /// <summary>Compressed bytes allowed per column: the entity as a whole must stay under 1 MiB.</summary>
    public const int MaxCompressedBytes = 14 * PartBytes;

    public static void Write(TableEntity entity, string name, string text)
    {
        if (text.Length <= InlineLimit)
        {
            entity[name] = text;
            return;
        }

        var compressed = Compress(text);
        if (compressed.Length > MaxCompressedBytes)
        {
            throw new ArgumentException(
                $"The {name} column is {text.Length} characters, {compressed.Length} bytes compressed: above the {MaxCompressedBytes} bytes a table entity can hold.",
                nameof(text));
        }

        var parts = (compressed.Length + PartBytes - 1) / PartBytes;
        entity[name + "GzipParts"] = parts;
        for (var i = 0; i < parts; i++)
        {
            var start = i * PartBytes;
            entity[name + "Gzip" + i] = compressed[start..Math.Min(start + PartBytes, compressed.Length)];
        }
    }

    public static string? Read(TableEntity entity, string name)
    {
        if (entity.GetString(name) is { } inline)
        {
            return inline;
        }

        if (entity.GetInt32(name + "GzipParts") is not { } parts)
        {
            return null;
        }

        using var compressed = new MemoryStream();
        for (var i = 0; i < parts; i++)
        {
            var part = entity.GetBinary(name + "Gzip" + i)
                ?? throw new InvalidDataException($"Table row {entity.PartitionKey}/{entity.RowKey} misses part {i} of {parts} of its {name} column.");
            compressed.Write(part);
        }

        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static byte[] Compress(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }
}
