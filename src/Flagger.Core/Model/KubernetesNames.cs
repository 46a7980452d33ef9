using System.Text.RegularExpressions;

namespace Flagger.Core.Model;

/// <summary>
/// The names Kubernetes accepts for a canary: a namespace is a DNS-1123 label (at most 63 lowercase
/// alphanumerics or '-', starting and ending alphanumeric), a name a DNS-1123 subdomain (at most 253, labels
/// joined by '.'). Callers check input against them before any storage or cluster call.
/// </summary>
public static partial class KubernetesNames
{
    public const int MaxLabelLength = 63;
    public const int MaxSubdomainLength = 253;

    public static bool IsDns1123Label(string? value) =>
        value is { Length: > 0 and <= MaxLabelLength } && LabelPattern().IsMatch(value);

    public static bool IsDns1123Subdomain(string? value) =>
        value is { Length: > 0 and <= MaxSubdomainLength } && SubdomainPattern().IsMatch(value);

    /// <summary>Why <paramref name="namespace"/> and <paramref name="name"/> cannot name a canary, or null when they can.</summary>
    public static string? WhyNotCanary(string? @namespace, string? name)
    {
        if (!IsDns1123Label(@namespace))
        {
            return $"invalid namespace {Quote(@namespace)}: a DNS-1123 label is required (at most {MaxLabelLength} lowercase letters, digits or '-', starting and ending with a letter or digit)";
        }

        if (!IsDns1123Subdomain(name))
        {
            return $"invalid name {Quote(name)}: a DNS-1123 subdomain is required (at most {MaxSubdomainLength} lowercase letters, digits, '-' or '.', starting and ending with a letter or digit)";
        }

        return null;
    }

    /// <summary>Echoes a short prefix only, with control characters dropped: the input is untrusted.</summary>
    private static string Quote(string? value)
    {
        if (value is null)
        {
            return "(missing)";
        }

        var shown = new string([.. value.Take(64).Where(c => !char.IsControl(c))]);
        return "'" + shown + (value.Length > 64 ? "…" : "") + "'";
    }

    [GeneratedRegex(@"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();

    [GeneratedRegex(@"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SubdomainPattern();
}
