using System.Diagnostics.CodeAnalysis;
using k8s.Models;

namespace Flagger.Core.Workloads;

/// <summary>
/// The label that tells target pods from primary pods (spec §3.1): the target's pods carry
/// <c>Label: Value</c>, the primary's <c>Label: Value-primary</c>, and the Services select on it.
/// </summary>
public sealed record SelectorLabel(string Label, string Value)
{
    /// <summary>Flagger's default <c>-selector-labels</c>, in order of precedence.</summary>
    public static readonly IReadOnlyList<string> DefaultCandidates = ["app", "name", "app.kubernetes.io/name"];

    public string PrimaryValue => WorkloadNames.PrimaryName(Value);

    /// <summary>
    /// The first of <paramref name="candidates"/> (default <see cref="DefaultCandidates"/>) present in the
    /// target's <c>spec.selector.matchLabels</c>, or an error naming them all.
    /// </summary>
    public static SelectorLabelResult Find(V1Deployment target, IReadOnlyList<string>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        candidates ??= DefaultCandidates;

        var matchLabels = target.Spec?.Selector?.MatchLabels;
        if (matchLabels is not null)
        {
            foreach (var candidate in candidates)
            {
                if (matchLabels.TryGetValue(candidate, out var value) && value is not null)
                {
                    return SelectorLabelResult.Found(new SelectorLabel(candidate, value));
                }
            }
        }

        return SelectorLabelResult.NotFound(
            $"deployment {target.Metadata?.Name}: selector not found: spec.selector.matchLabels must contain one of {string.Join(", ", candidates)}");
    }
}

/// <summary>Either the selector label or why the target has none (an expected, user-fixable failure).</summary>
public sealed record SelectorLabelResult
{
    private SelectorLabelResult(SelectorLabel? selector, string? error)
    {
        Selector = selector;
        Error = error;
    }

    public SelectorLabel? Selector { get; }

    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Selector))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsFound => Selector is not null;

    public static SelectorLabelResult Found(SelectorLabel selector) => new(selector, null);

    public static SelectorLabelResult NotFound(string error) => new(null, error);
}
