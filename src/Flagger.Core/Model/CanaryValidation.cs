namespace Flagger.Core.Model;

public enum ProblemSeverity
{
    /// <summary>The canary cannot run as written.</summary>
    Error,

    /// <summary>The canary runs, but something in it is ignored or deprecated.</summary>
    Warning,
}

/// <summary>One finding about a Canary: the JSON path of the field (<c>spec.analysis.metrics[1].thresholdRange</c>) and why.</summary>
public sealed record ValidationProblem(string Field, string Message, ProblemSeverity Severity)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Everything <see cref="CanaryValidator"/> found, errors first.</summary>
public sealed class CanaryValidation
{
    public CanaryValidation(IEnumerable<ValidationProblem> problems)
    {
        var all = problems.ToList();
        Errors = all.Where(p => p.Severity == ProblemSeverity.Error).ToList();
        Warnings = all.Where(p => p.Severity == ProblemSeverity.Warning).ToList();
        All = [.. Errors, .. Warnings];
    }

    public bool IsValid => Errors.Count == 0;

    public IReadOnlyList<ValidationProblem> Errors { get; }

    public IReadOnlyList<ValidationProblem> Warnings { get; }

    public IReadOnlyList<ValidationProblem> All { get; }

    /// <summary>One line, <c>field: message</c> joined by <c>; </c>, errors first: fit for a status condition message.</summary>
    public string Summary() => string.Join("; ", All);

    public override string ToString() => Summary();
}
