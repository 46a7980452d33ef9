namespace Flagger.Host;

/// <summary>
/// The host's own request log line, in place of ASP.NET Core's "Request starting ..." lines (which show the
/// whole query string, <c>?code=</c> key included): query values of secret-bearing parameters are masked.
/// </summary>
public static partial class RequestLog
{
    private static readonly HashSet<string> s_secretParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "code", "key", "token", "access_token", "sig", "signature", "secret", "password", "continuationToken",
    };

    public static WebApplication UseRequestLog(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestLog).FullName!);
        app.Use(async (context, next) =>
        {
            var started = TimeProvider.System.GetTimestamp();
            await next(context);
            Request(logger, context.Request.Method, context.Request.Path + Redact(context.Request.QueryString),
                context.Response.StatusCode, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        });
        return app;
    }

    /// <summary>The query string with the values of <c>code</c>, <c>token</c> and the like replaced by <c>***</c>.</summary>
    public static string Redact(QueryString query)
    {
        if (!query.HasValue)
        {
            return "";
        }

        var pairs = query.Value!.TrimStart('?').Split('&').Select(pair =>
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            return equals >= 0 && s_secretParameters.Contains(name) ? pair[..equals] + "=***" : pair;
        });
        return "?" + string.Join('&', pairs);
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "HTTP {Method} {PathAndQuery} answered {StatusCode} in {ElapsedMilliseconds:0.0} ms")]
    private static partial void Request(ILogger logger, string method, string pathAndQuery, int statusCode, double elapsedMilliseconds);
}
