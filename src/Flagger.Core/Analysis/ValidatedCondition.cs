using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Ours: the <c>Validated</c> condition says whether the Canary can run as written, and names each field
/// that stops it (or that is ignored, as a warning), so <c>kubectl describe canary</c> shows the reason.
/// </summary>
public static class ValidatedCondition
{
    public const string Type = "Validated";

    public static CanaryCondition For(CanaryValidation validation, CanaryCondition? current, DateTimeOffset now)
    {
        var (status, reason, message) = validation switch
        {
            { IsValid: false } => ("False", "InvalidSpec", validation.Summary()),
            { Warnings.Count: > 0 } => ("True", "ValidWithWarnings", validation.Summary()),
            _ => ("True", "Valid", "The canary spec is valid."),
        };

        return CanaryConditions.Next(Type, status, reason, message, current, now);
    }
}
