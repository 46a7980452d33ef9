using Azure.Identity;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Options;

namespace Flagger.Host;

/// <summary>
/// The durable backend outside Azure Functions: Durable Functions' own Azure Storage provider (queues, tables
/// and blobs of a storage account, Azurite locally) served over gRPC by the Durable Task sidecar, so the
/// standard worker and client run the same orchestrator. State lives in storage: a host killed mid-rollout
/// and started again carries on, and several hosts on one task hub share the work through blob leases.
/// </summary>
public sealed class DurableSidecar : IAsyncDisposable
{
    /// <summary>Short queue visibility so a restarted host picks up a dead host's work in seconds, not minutes.</summary>
    public static readonly TimeSpan VisibilityTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _server;
    private readonly ILoggerFactory _loggerFactory;

    private DurableSidecar(WebApplication server, GrpcChannel channel, AzureStorageOrchestrationService service, ILoggerFactory loggerFactory)
    {
        _server = server;
        _loggerFactory = loggerFactory;
        Channel = channel;
        Service = service;
    }

    public GrpcChannel Channel { get; }

    public AzureStorageOrchestrationService Service { get; }

    /// <param name="loggerFactory">Owned by the sidecar from now on (disposed with it).</param>
    public static async Task<DurableSidecar> StartAsync(StorageAccountClientProvider storage, FlaggerHostOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var service = new AzureStorageOrchestrationService(Settings(storage, options, loggerFactory));
        await service.CreateIfNotExistsAsync();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(service);
        builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        var server = builder.Build();
        server.MapGrpcService<TaskHubGrpcServer>();
        await server.StartAsync(cancellationToken);

        var address = server.Urls.Single();
        return new DurableSidecar(server, GrpcChannel.ForAddress(address), service, loggerFactory);
    }

    /// <summary>The provider's settings: the host's own where it has one (<c>Host__MaxConcurrentActivities</c>, ...), the provider's defaults otherwise.</summary>
    internal static AzureStorageOrchestrationServiceSettings Settings(StorageAccountClientProvider storage, FlaggerHostOptions options, ILoggerFactory loggerFactory)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = storage,
            ControlQueueVisibilityTimeout = VisibilityTimeout,
            WorkItemQueueVisibilityTimeout = VisibilityTimeout,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
            LoggerFactory = loggerFactory,
        };
        settings.MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities ?? settings.MaxConcurrentTaskActivityWorkItems;
        settings.MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations ?? settings.MaxConcurrentTaskOrchestrationWorkItems;
        settings.PartitionCount = options.PartitionCount ?? settings.PartitionCount;
        return settings;
    }

    /// <summary>
    /// The task hub's storage account: <c>Host__DurableConnectionString</c>, else <c>Host__DurableAccountName</c>
    /// with Azure.Identity (managed or workload identity), else the state store's connection string.
    /// </summary>
    /// <exception cref="OptionsValidationException">None of the three is set.</exception>
    internal static StorageAccountClientProvider Storage(FlaggerHostOptions options, string? stateStoreConnectionString)
    {
        if (!string.IsNullOrEmpty(options.DurableConnectionString))
        {
            return new StorageAccountClientProvider(options.DurableConnectionString);
        }

        if (!string.IsNullOrEmpty(options.DurableAccountName))
        {
            return new StorageAccountClientProvider(options.DurableAccountName, new DefaultAzureCredential());
        }

        if (!string.IsNullOrEmpty(stateStoreConnectionString))
        {
            return new StorageAccountClientProvider(stateStoreConnectionString);
        }

        throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(FlaggerHostOptions),
        [
            "Host__DurableConnectionString, Host__DurableAccountName or StateStore__ConnectionString is required: the durable backend needs a storage account (Azurite locally)",
        ]);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        _loggerFactory.Dispose();
    }
}
