using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Flagger.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.State;

public static class TableStateServiceCollectionExtensions
{
    /// <summary>The Table Storage state: <see cref="StateStoreOptions"/> (validated at start), the table client, <see cref="IRolloutStore"/>, <see cref="IOperationInbox"/>, <see cref="ITickStateReader"/> and <see cref="IGateStore"/>.</summary>
    public static IServiceCollection AddTableState(this IServiceCollection services)
    {
        services.AddSettings<StateStoreOptions>(StateStoreOptions.Section);
        services.TryAddSingleton(provider => CreateServiceClient(provider.GetRequiredService<IOptions<StateStoreOptions>>().Value));
        services.TryAddSingleton<TableRolloutStore>();
        services.TryAddSingleton<IRolloutStore>(provider => provider.GetRequiredService<TableRolloutStore>());
        services.TryAddSingleton<IOperationInbox, TableOperationInbox>();
        // One query when both are on Table Storage (the inbox rows sit beside the checkpoint); two reads otherwise.
        services.TryAddSingleton<ITickStateReader>(provider =>
            provider.GetRequiredService<IRolloutStore>() is TableRolloutStore table && provider.GetRequiredService<IOperationInbox>() is TableOperationInbox
                ? table
                : new SeparateTickStateReader(provider.GetRequiredService<IRolloutStore>(), provider.GetRequiredService<IOperationInbox>()));

        // Durable gates replace the in-memory ones, whichever was registered first.
        services.RemoveAll<IGateStore>();
        services.AddSingleton<IGateStore, TableGateStore>();
        return services;
    }

    /// <summary>A connection string, else the service URI with <see cref="DefaultAzureCredential"/> (managed identity in Azure).</summary>
    public static TableServiceClient CreateServiceClient(StateStoreOptions options, TableClientOptions? clientOptions = null)
    {
        clientOptions ??= CreateClientOptions(options);
        return !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new TableServiceClient(options.ConnectionString, clientOptions)
            : new TableServiceClient(
                options.ServiceUri ?? throw new InvalidOperationException("StateStore needs a ConnectionString or a ServiceUri."),
                new DefaultAzureCredential(),
                clientOptions);
    }

    /// <summary>
    /// The SDK's retry policy, set explicitly: exponential back-off over transient failures (408, 429, 500,
    /// 502, 503, 504, connection failures and per-request timeouts). Conflicts (409, 412) are not transient:
    /// the store resolves them by re-reading.
    /// </summary>
    public static TableClientOptions CreateClientOptions(StateStoreOptions options) => new()
    {
        Retry =
        {
            Mode = RetryMode.Exponential,
            MaxRetries = options.MaxRetries,
            Delay = options.RetryDelay,
            MaxDelay = options.MaxRetryDelay,
            NetworkTimeout = options.RequestTimeout,
        },
    };
}
