using Microsoft.Extensions.Logging;

namespace Flagger.Rollouts.Api;

/// <summary>
/// ASP.NET Core's own request lines ("Request starting POST …/api/registry/events?code=…") carry the whole query
/// string, the Functions key included; both hosts hold them back below Warning.
/// </summary>
public static class RequestLines
{
    public const string Category = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static ILoggingBuilder HoldBackRequestLines(this ILoggingBuilder logging) => logging.AddFilter(Category, LogLevel.Warning);
}
