using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Flagger.Rollouts.Dashboard;

/// <summary>
/// The dashboard: one HTML page with its stylesheet and script inlined from this assembly's resources, served by
/// both hosts at <c>/api/dashboard</c> behind the API's key (the script reads <c>?code=</c> and sends it to the API
/// as <c>x-functions-key</c>). Nothing is loaded from elsewhere: the Content-Security-Policy allows this script and
/// this stylesheet by hash, and requests to this origin only.
/// </summary>
public sealed class DashboardPage : IResult, IActionResult
{
    public const string Route = "dashboard";

    private const string StylePlaceholder = "/*{{dashboard.css}}*/";
    private const string ScriptPlaceholder = "/*{{dashboard.js}}*/";

    private readonly byte[] _html;

    private DashboardPage(string html, string script, string style)
    {
        Html = html;
        Script = script;
        ContentSecurityPolicy = string.Join("; ",
            "default-src 'none'",
            $"script-src 'sha256-{Hash(script)}'",
            $"style-src 'sha256-{Hash(style)}'",
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'");
        _html = Encoding.UTF8.GetBytes(html);
    }

    public static DashboardPage Instance { get; } = Load();

    public string Html { get; }

    /// <summary>The page's script as inlined (its hash is in <see cref="ContentSecurityPolicy"/>).</summary>
    public string Script { get; }

    public string ContentSecurityPolicy { get; }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // The page's address carries the key (?code=): never cached, never sent on as a referrer.
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.ContentLength = _html.Length;
        await response.Body.WriteAsync(_html, httpContext.RequestAborted);
    }

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

    private static DashboardPage Load()
    {
        var html = Resource("dashboard.html");
        var style = Resource("dashboard.css");
        var script = Resource("dashboard.js");
        if (style.Contains("</style", StringComparison.OrdinalIgnoreCase) || script.Contains("</script", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("the dashboard's stylesheet or script would close its own element when inlined");
        }

        if (!html.Contains(StylePlaceholder, StringComparison.Ordinal) || !html.Contains(ScriptPlaceholder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("dashboard.html lacks the stylesheet or script placeholder");
        }

        return new DashboardPage(html.Replace(StylePlaceholder, style, StringComparison.Ordinal).Replace(ScriptPlaceholder, script, StringComparison.Ordinal), script, style);
    }

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"{typeof(DashboardPage).Namespace}.{name}")
            ?? throw new InvalidOperationException($"the dashboard resource {name} is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string Hash(string inline) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)));
}
