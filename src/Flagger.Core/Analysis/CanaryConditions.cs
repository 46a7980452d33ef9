using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

public static class CanaryConditions
{
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
