using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

public static class CanaryConditions
{
    /// <summary>
    /// The condition of <paramref name="type"/> as it should now be: <paramref name="current"/> itself when nothing
    /// changed (callers skip the status write on reference equality), else a new one whose transition time moves
    /// only when the status does.
    /// </summary>
    public static CanaryCondition Next(string type, string status, string reason, string message, CanaryCondition? current, DateTimeOffset now) =>
        current is not null && current.Status == status && current.Reason == reason && current.Message == message
            ? current
            : new CanaryCondition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                LastUpdateTime = now,
                LastTransitionTime = current is not null && current.Status == status ? current.LastTransitionTime : now,
            };

    /// <summary>Replaces the condition of the same type, keeping the others in place.</summary>
    public static IReadOnlyList<CanaryCondition> Merge(IReadOnlyList<CanaryCondition>? conditions, CanaryCondition condition)
    {
        var merged = (conditions ?? []).ToList();
        var index = merged.FindIndex(c => c.Type == condition.Type);
        if (index >= 0)
        {
            merged[index] = condition;
        }
        else
        {
            merged.Add(condition);
        }

        return merged;
    }
}
