using Azure.Core;
using Azure.Data.Tables;
using Flagger.Infrastructure.State;
using Flagger.Testing.Azurite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.State;

/// <summary>One Azurite for the whole test run; each test isolates itself with its own table prefix.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite has not started.");

    public async Task InitializeAsync() => _server = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A table prefix no other test uses.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A store on <paramref name="server"/>, with short retries so outages surface in seconds.</summary>
    public static TableRolloutStore CreateStore(AzuriteServer server, string prefix, RequestCounter? counter = null)
    {
        var options = new StateStoreOptions
        {
            ConnectionString = server.ConnectionString,
            TablePrefix = prefix,
            MaxRetries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
        var clientOptions = TableStateServiceCollectionExtensions.CreateClientOptions(options);
        if (counter is not null)
        {
            clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        }

        return new TableRolloutStore(
            TableStateServiceCollectionExtensions.CreateServiceClient(options, clientOptions),
            Options.Create(options),
            NullLogger<TableRolloutStore>.Instance);
    }

    public TableRolloutStore CreateStore(string prefix, RequestCounter? counter = null) => CreateStore(Server, prefix, counter);

    public TableServiceClient CreateServiceClient() => new(Server.ConnectionString);
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
