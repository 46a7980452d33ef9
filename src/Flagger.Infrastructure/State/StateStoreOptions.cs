using System.ComponentModel.DataAnnotations;

namespace Flagger.Infrastructure.State;

/// <summary>Where the Table Storage state lives (app settings <c>StateStore__*</c>).</summary>
public sealed class StateStoreOptions : IValidatableObject
{
    public const string Section = "StateStore";

    /// <summary>A storage connection string (Azurite: <c>UseDevelopmentStorage=true</c>). Either this or <see cref="ServiceUri"/>.</summary>
    [SecretSetting]
    public string? ConnectionString { get; set; }

    /// <summary>The table endpoint of a storage account, reached with Azure.Identity (managed identity in Azure).</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>Prepended to every table name, so several hubs or test runs share one account without meeting.</summary>
    [RegularExpression("^([A-Za-z][A-Za-z0-9]{0,39})?$", ErrorMessage = "{0} must be empty or start with a letter and hold at most 40 letters and digits (table names are alphanumeric)")]
    public string TablePrefix { get; set; } = "";

    /// <summary>How long history rows are kept.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long a registry event id is remembered for dedupe (Event Grid redelivers for up to 24 h).</summary>
    public TimeSpan DeliveryTtl { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Retries of a transient failure (503, 500, timeouts, connection refused) by the Azure SDK's retry policy.</summary>
    [Range(0, 10, ErrorMessage = Messages.Between)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones back off exponentially.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between two retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one storage request; a slower answer counts as a transient failure.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (hasConnectionString == (ServiceUri is not null))
        {
            yield return new ValidationResult(
                $"Set exactly one of {Settings.Name(Section, nameof(ConnectionString))} and {Settings.Name(Section, nameof(ServiceUri))} (the account's table endpoint, reached with a managed or workload identity)",
                [nameof(ConnectionString), nameof(ServiceUri)]);
        }

        if (ServiceUri is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult($"{nameof(ServiceUri)} must be an absolute URL (https://ACCOUNT.table.core.windows.net)", [nameof(ServiceUri)]);
        }

        foreach (var (name, value) in new[]
        {
            (nameof(HistoryRetention), HistoryRetention),
            (nameof(DeliveryTtl), DeliveryTtl),
            (nameof(RetryDelay), RetryDelay),
            (nameof(MaxRetryDelay), MaxRetryDelay),
            (nameof(RequestTimeout), RequestTimeout),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"{name} must be a positive duration", [name]);
            }
        }
    }
}
