namespace Flagger.Infrastructure.Webhooks;

/// <summary>
/// Keeps the secrets a webhook URL may carry (userinfo, query string) out of messages: events, status and logs
/// show scheme, host, port and path only, and any text echoing a secret has it masked.
/// </summary>
internal static class WebhookUrl
{
    private const string Mask = "***";

    public static string Redact(Uri url) => url.IsAbsoluteUri
        ? url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
        : "(relative URL)";

    /// <summary>A URL that does not parse is not echoed at all: it may be a token with a typo.</summary>
    public static string RedactRaw(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? Redact(parsed) : "(unparsable URL)";

    /// <summary>Masks the URL's userinfo and query values wherever they appear in <paramref name="text"/>.</summary>
    public static string Scrub(string text, Uri url)
    {
        foreach (var secret in Secrets(url))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    private static IEnumerable<string> Secrets(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            yield break;
        }

        var userInfo = url.UserInfo;
        foreach (var part in userInfo.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            yield return part;
            yield return Uri.UnescapeDataString(part);
        }

        var query = url.Query.TrimStart('?');
        if (query.Length > 0)
        {
            yield return query;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var value = pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..];
            // Short values ("1", "on") would mask unrelated text and are not credentials.
            if (value.Length >= 4)
            {
                yield return value;
                yield return Uri.UnescapeDataString(value);
            }
        }
    }
}
