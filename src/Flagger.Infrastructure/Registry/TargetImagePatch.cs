using System.Globalization;
using System.Text.Json.Nodes;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// The strategic merge patch that moves one container of a target Deployment to a pushed image. Containers
/// merge by name, so the others are untouched; the resourceVersion makes the API server refuse (409) a patch
/// computed from a Deployment that has changed since, so a racing push is decided again, never blindly applied.
/// </summary>
public static class TargetImagePatch
{
    /// <summary>Event time of the last push applied to the target: the order the regex image policy keeps.</summary>
    public const string LastPushAnnotation = "flagger-functions.io/last-push-at";

    public static string Build(string container, string image, string resourceVersion, DateTimeOffset pushedAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(container);
        ArgumentException.ThrowIfNullOrEmpty(image);
        ArgumentException.ThrowIfNullOrEmpty(resourceVersion);

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = resourceVersion,
                ["annotations"] = new JsonObject { [LastPushAnnotation] = FormatPushedAt(pushedAt) },
            },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }),
                    },
                },
            },
        }.ToJsonString();
    }

    public static string FormatPushedAt(DateTimeOffset pushedAt) => pushedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParsePushedAt(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
}
