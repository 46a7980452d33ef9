using Flagger.Core.Ports;
using Flagger.Infrastructure;
using Flagger.Rollouts;
using Flagger.Rollouts.Api;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;

namespace Flagger.Host;

/// <summary>
/// Flagger.Host: the Function App's rollouts, API and sweep in one ASP.NET Core process, on the durable
/// Azure Storage backend. It drives a real cluster from a kubeconfig (or in-cluster), like the Function App,
/// and the sandbox when no cluster is configured.
/// </summary>
public static class FlaggerHost
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.HoldBackRequestLines();
        configure?.Invoke(builder);
        ApiKeyPolicy.EnsureKeyOrLoopback(builder.Configuration);
        var sandbox = await SandboxMode.StartIfDefaultAsync(builder, cancellationToken);
        // The sidecar starts before the container is built, so its settings are checked here rather than at ValidateOnStart.
        var hostOptions = Settings.Read<FlaggerHostOptions>(builder.Configuration, FlaggerHostOptions.Section);
        var storage = DurableSidecar.Storage(hostOptions, builder.Configuration["StateStore:ConnectionString"]);

        var sidecarLogging = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole());
        var sidecar = await DurableSidecar.StartAsync(storage, hostOptions, sidecarLogging, cancellationToken);

        builder.Services.AddSettings<FlaggerHostOptions>(FlaggerHostOptions.Section);
        builder.Services.AddFlagger();
        builder.AddOtlpWhenConfigured();
        builder.Services.AddReadiness(storage, hostOptions.TaskHubName);
        builder.Services.AddFlaggerOpenApi();
        builder.Services.AddSingleton(sidecar);
        builder.Services.AddDurableTaskWorker(worker => worker.UseGrpc(sidecar.Channel).AddTasks(tasks => tasks.AddCanaryRollout()));
        builder.Services.AddDurableTaskClient(client => client.UseGrpc(sidecar.Channel).RegisterDirectly());
        builder.Services.AddSingleton<IRolloutScheduler>(provider => new DurableRolloutScheduler(
            provider.GetRequiredService<DurableTaskClient>(),
            provider.GetRequiredService<IOptions<FlaggerHostOptions>>().Value.RolloutInterval));
        builder.Services.AddHostedService<SweepService>();

        var app = builder.Build();
        app.UseRequestLog();
        app.MapFlaggerHostRoutes();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            sidecar.DisposeAsync().AsTask().GetAwaiter().GetResult();
            sandbox?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        return app;
    }
}
