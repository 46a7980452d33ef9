using Microsoft.Extensions.Options;

namespace Flagger.Host;

/// <summary>What a host that refused its settings prints and exits with.</summary>
public static class InvalidSettings
{
    /// <summary>EX_CONFIG of sysexits.h: a configuration error, not a crash.</summary>
    public const int ExitCode = 78;

    /// <summary>Every settings failure in <paramref name="exception"/> (ValidateOnStart aggregates one exception per options class); empty when it is something else.</summary>
    public static IReadOnlyList<string> Of(Exception exception) => exception switch
    {
        OptionsValidationException invalid => invalid.Failures.ToList(),
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException) =>
            aggregate.InnerExceptions.SelectMany(e => ((OptionsValidationException)e).Failures).ToList(),
        _ => [],
    };
}
