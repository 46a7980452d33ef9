using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>Splits traffic between primary and canary (the Gateway API HTTPRoute, chosen by <c>spec.provider</c>).</summary>
public interface ITrafficRouter
{
    /// <summary>
    /// Converges the apex Service and the route to the Canary's spec (a spec drift resets the split to the
    /// primary, as in Flagger), then reads the split back, or reports why it cannot be trusted yet.
    /// </summary>
    Task<RouteObservation> SyncAsync(Canary canary, CancellationToken cancellationToken);

    /// <param name="observedVersion">The route version the decision was made on: a write against any other version must not land blindly.</param>
    Task SetRoutesAsync(Canary canary, SetRoutes weights, string? observedVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Finalizing a deleted Canary (spec §2.12, Flagger's router <c>Finalize</c>): gives back what the router
    /// changed that outlives the Canary. Nothing for the generated route (owned by the Canary and
    /// garbage-collected with it); a user's route (<c>spec.routeRef</c>) is restored to what the user wrote.
    /// </summary>
    Task RevertAsync(Canary canary, CancellationToken cancellationToken);
}
