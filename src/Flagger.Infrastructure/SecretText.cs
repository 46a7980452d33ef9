using System.Text.RegularExpressions;

namespace Flagger.Infrastructure;

/// <summary>
/// Scrubs text a remote service sent back (a failing webhook's, alert provider's or Prometheus' error body)
/// before it reaches events, status or logs: such bodies often echo the request, its URL and its credentials.
/// URLs keep only their scheme and host; bearer/basic credentials, Slack tokens and <c>token=</c>,
/// <c>"password": "..."</c>-style pairs are masked.
/// </summary>
internal static partial class SecretText
{
    public const string Mask = "***";

    public static string Scrub(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        text = UrlPattern().Replace(text, match => Uri.TryCreate(match.Value, UriKind.Absolute, out var url) && url.Host.Length > 0
            ? url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) + (url.PathAndQuery.Length > 1 || url.UserInfo.Length > 0 ? "/" + Mask : "")
            : Mask);
        text = AuthorizationPattern().Replace(text, "$1 " + Mask);
        text = SlackTokenPattern().Replace(text, Mask);
        text = SecretPairPattern().Replace(text, "$1$2" + Mask);
        return FunctionKeyPattern().Replace(text, "$1" + Mask);
    }

    [GeneratedRegex(@"\b(?:https?|wss?)://[^\s""'<>\\`]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationPattern();

    [GeneratedRegex(@"\bxox[abposr]-[A-Za-z0-9-]+", RegexOptions.CultureInvariant)]
    private static partial Regex SlackTokenPattern();

    [GeneratedRegex(
        @"\b((?:access_|refresh_|id_|auth_)?token|api[_-]?key|x-functions-key|client_secret|secret|password|passwd|pwd|sig|signature|authorization)(\s*[""']?\s*[:=]\s*[""']?)(?!(?:Bearer|Basic|Token)\s|\*\*\*)[^\s""'&,;}]+",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretPairPattern();

    /// <summary>Function keys travel as <c>code=</c>; only that form, so "status code: 500" stays readable.</summary>
    [GeneratedRegex(@"\b(code=)(?![~!""'])[^\s""'&,;}]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex FunctionKeyPattern();
}
