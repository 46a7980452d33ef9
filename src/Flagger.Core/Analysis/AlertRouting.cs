namespace Flagger.Core.Analysis;

/// <summary>Which alerts a canary's <c>analysis.alerts[]</c> entry receives (spec §7).</summary>
public static class AlertRouting
{
    /// <summary>
    /// <c>info</c> receives everything, <c>warn</c> warnings and errors, <c>error</c> errors only. An empty
    /// severity means info, as Flagger's docs say (Flagger itself sends nothing then).
    /// </summary>
    public static bool Admits(string? subscribedSeverity, AlertSeverity alert) =>
        subscribedSeverity?.ToLowerInvariant() switch
        {
            null or "" or "info" => true,
            "warn" => alert is AlertSeverity.Warn or AlertSeverity.Error,
            "error" => alert is AlertSeverity.Error,
            _ => false,
        };
}
