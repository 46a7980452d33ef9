using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>The <c>Promoted</c> condition Flagger keeps on every Canary (spec §2.1), for <c>kubectl wait --for=condition=promoted</c>.</summary>
public static class PromotedCondition
{
    public static CanaryCondition For(CanaryPhase phase, string kind, CanaryCondition? current, DateTimeOffset now)
    {
        var (status, message) = phase switch
        {
            CanaryPhase.Initialized => ("True", $"{kind} initialization completed."),
            CanaryPhase.Succeeded => ("True", "Canary analysis completed successfully, promotion finished."),
            CanaryPhase.Failed => ("False", $"Canary analysis failed, {kind} scaled to zero."),
            CanaryPhase.Waiting or CanaryPhase.WaitingPromotion => ("Unknown", "Waiting for approval."),
            CanaryPhase.Progressing => ("Unknown", "New revision detected, progressing canary analysis."),
            CanaryPhase.Promoting => ("Unknown", "Canary analysis completed, starting primary rolling update."),
            CanaryPhase.Finalising => ("Unknown", "Canary analysis completed, routing all traffic to primary."),
            // Flagger gives Terminating the Initializing message (spec §2.1 ⚠) and never writes Terminated.
            CanaryPhase.Terminating => ("Unknown", $"Canary is being deleted, reverting the {kind}."),
            CanaryPhase.Terminated => ("Unknown", $"Canary deleted, {kind} reverted."),
            _ => ("Unknown", $"New {kind} detected, starting initialization."),
        };

        var reason = phase.ToString();
        if (current is not null && current.Status == status && current.Reason == reason)
        {
            return current;
        }

        return new CanaryCondition
        {
            Type = CanaryCondition.PromotedType,
            Status = status,
            Reason = reason,
            Message = message,
            LastUpdateTime = now,
            // Only a change of status moves the transition time; a new reason alone keeps it.
            LastTransitionTime = current is not null && current.Status == status ? current.LastTransitionTime : now,
        };
    }
}
