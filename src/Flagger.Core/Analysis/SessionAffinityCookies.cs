using System.Security.Cryptography;
using System.Text;
using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// The session-affinity cookies of a run, kept in the Canary status as Flagger keeps them (spec §4.6,
/// <c>getSessionAffinityRouteRules</c>, <c>pkg/router/gateway_api.go</c>). Every weight the tick routes moves
/// them on: above zero the canary cookie (and the primary one) is made if the status has none; at zero the
/// canary cookie becomes the previous one, which the route then expires. Flagger draws the ten letters at
/// random; here they are derived from the canary and the revision, so every attempt of a tick (a retried
/// apply, a replayed orchestration) makes the same cookie, and once written it is only ever read back. A
/// cookie the status already holds (Flagger's, after an adoption) is kept as it is.
/// </summary>
public static class SessionAffinityCookies
{
    /// <summary>
    /// The decision with its routes carrying the cookies they are built with and, when those moved, the status
    /// holding them. Each <see cref="SetRoutes"/> moves the cookies on in turn, as each of Flagger's SetRoutes calls does.
    /// </summary>
    public static TickDecision Apply(Canary canary, TickDecision decision)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(decision);
        if (canary.Analysis.SessionAffinity is null || !decision.Actions.OfType<SetRoutes>().Any())
        {
            return decision;
        }

        var before = decision.NextStatus ?? canary.Status ?? new CanaryStatus();
        var status = before;
        List<CanaryAction> actions = [];
        foreach (var action in decision.Actions)
        {
            if (action is SetRoutes routes)
            {
                status = Next(canary, status, routes.CanaryWeight);
                actions.Add(routes with { Cookies = SessionCookies.Of(status) });
            }
            else
            {
                actions.Add(action);
            }
        }

        var moved = status.SessionAffinityCookie != before.SessionAffinityCookie
            || status.PrimarySessionAffinityCookie != before.PrimarySessionAffinityCookie
            || status.PreviousSessionAffinityCookie != before.PreviousSessionAffinityCookie;
        return decision with { Actions = actions, NextStatus = moved ? status : decision.NextStatus };
    }

    /// <summary>The cookies a route at <paramref name="canaryWeight"/> is built with, from the status as it stands.</summary>
    public static SessionCookies ForRoute(Canary canary, int canaryWeight)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return SessionCookies.Of(Next(canary, canary.Status ?? new CanaryStatus(), canaryWeight));
    }

    /// <summary>Flagger's moves for a route at <paramref name="canaryWeight"/>.</summary>
    public static CanaryStatus Next(Canary canary, CanaryStatus status, int canaryWeight)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(status);
        if (canary.Analysis.SessionAffinity is not { } affinity)
        {
            return status;
        }

        if (canaryWeight > 0)
        {
            var primaryCookieName = UsesPrimaryCookie(canary) ? affinity.PrimaryCookieName : null;
            return status with
            {
                SessionAffinityCookie = Keep(status.SessionAffinityCookie, affinity.CookieName) ?? Derive(canary, affinity.CookieName, status.LastAppliedSpec),
                PrimarySessionAffinityCookie = string.IsNullOrEmpty(primaryCookieName)
                    ? status.PrimarySessionAffinityCookie
                    : Keep(status.PrimarySessionAffinityCookie, primaryCookieName) ?? Derive(canary, primaryCookieName, status.LastPromotedSpec),
            };
        }

        return string.IsNullOrEmpty(status.SessionAffinityCookie)
            ? status
            : status with { PreviousSessionAffinityCookie = status.SessionAffinityCookie, SessionAffinityCookie = null };
    }

    /// <summary>
    /// <c>name=</c> and ten letters derived from the canary, the cookie name and the revision: the same inputs
    /// always give the same cookie, another revision another one.
    /// </summary>
    public static string Derive(Canary canary, string cookieName, string? revision)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{canary.Metadata.Uid}/{canary.Metadata.Name}/{cookieName}/{revision}"));
        var letters = new char[10];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('a' + (hash[i] % 26));
        }

        return $"{cookieName}={new string(letters)}";
    }

    /// <summary>
    /// The stored cookie when it is one of <paramref name="cookieName"/>. One of another name (the name changed in
    /// the spec since) would never match what the route sets, so a new one is made instead.
    /// </summary>
    private static string? Keep(string? stored, string cookieName) =>
        !string.IsNullOrEmpty(stored) && stored.StartsWith($"{cookieName}=", StringComparison.Ordinal) ? stored : null;

    /// <summary>Flagger's v1beta1 router (and so v1alpha2, older still) has no primary cookie.</summary>
    private static bool UsesPrimaryCookie(Canary canary) =>
        canary.Spec.Provider is not { } provider
        || !(provider.StartsWith("gatewayapi:v1beta1", StringComparison.Ordinal) || provider.StartsWith("gatewayapi:v1alpha2", StringComparison.Ordinal));
}

/// <summary>The cookies one route is built with: the run's canary and primary cookies, and the previous run's to expire.</summary>
public sealed record SessionCookies(string? Canary, string? Primary, string? Previous)
{
    public static SessionCookies Of(CanaryStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new(Blank(status.SessionAffinityCookie), Blank(status.PrimarySessionAffinityCookie), Blank(status.PreviousSessionAffinityCookie));
    }

    private static string? Blank(string? cookie) => string.IsNullOrEmpty(cookie) ? null : cookie;
}
