using Flagger.Core.Ports;
using Flagger.Rollouts;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Flagger.Host;

/// <summary>The Function App's timer trigger as a hosted service: the periodic resync.</summary>
public sealed partial class SweepService(CanarySweep sweep, DurableTaskClient client, IRolloutScheduler scheduler, IOptions<FlaggerHostOptions> options, ILogger<SweepService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        do
        {
            try
            {
                var report = await sweep.RunAsync(client, scheduler, stoppingToken);
                LogSwept(logger, report.Seen, report.Started.Count, report.Removed.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Sweep saw {Canaries} canaries, started {Started}, removed {Removed}")]
    private static partial void LogSwept(ILogger logger, int canaries, int started, int removed);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Sweep failed; it runs again at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
