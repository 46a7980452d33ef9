using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Flagger.Core.Registry;

/// <summary>
/// A container image reference split the way Docker's distribution library reads it:
/// <c>[registry[:port]/]repository[:tag][@digest]</c>. A first path segment is a registry host only when
/// it has a dot or a port or is <c>localhost</c>; otherwise the image lives on Docker Hub, where
/// single-segment names sit under <c>library/</c>.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary><c>registry/repository</c>: what a push event and a running container are matched on.</summary>
    public string Name => Registry + "/" + Repository;

    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    public static ImageReference Parse(string image) =>
        TryParse(image, out var reference, out var error) ? reference : throw new FormatException(error);

    public static bool TryParse(string? image, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(image))
        {
            error = "image reference is empty";
            return false;
        }

        if (image.Any(char.IsWhiteSpace))
        {
            error = $"image reference '{image}' contains whitespace";
            return false;
        }

        var rest = image;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestPattern().IsMatch(digest))
            {
                error = $"image reference '{image}' has an invalid digest '{digest}' (expected algorithm:hex)";
                return false;
            }
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                error = $"image reference '{image}' has an invalid tag '{tag}'";
                return false;
            }
        }

        var registry = DockerHub;
        var repository = rest;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IsRegistryHost(rest[..slash]))
        {
            registry = rest[..slash].ToLowerInvariant();
            repository = rest[(slash + 1)..];
        }

        if (registry is "index.docker.io" or "registry-1.docker.io")
        {
            registry = DockerHub;
        }

        if (registry == DockerHub && !repository.Contains('/', StringComparison.Ordinal))
        {
            repository = "library/" + repository;
        }

        if (!RepositoryPattern().IsMatch(repository))
        {
            error = $"image reference '{image}' has an invalid repository '{repository}' (lowercase path segments expected)";
            return false;
        }

        reference = new ImageReference(registry, repository, tag, digest);
        error = null;
        return true;
    }

    private static bool IsRegistryHost(string segment) =>
        segment.Contains('.', StringComparison.Ordinal) || segment.Contains(':', StringComparison.Ordinal) || segment == "localhost";

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();
}
