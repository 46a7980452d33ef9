using Flagger.Rollouts;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Flagger.Functions.Triggers;

/// <summary>The periodic resync; its schedule is the app setting <c>Sweep__Schedule</c> (NCRONTAB, default every 30 s).</summary>
public sealed partial class SweepFunction(CanarySweep sweep, ILogger<SweepFunction> logger)
{
    [Function("Sweep")]
    public async Task RunAsync(
        [TimerTrigger("%Sweep__Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var report = await sweep.RunAsync(client, new DurableRolloutScheduler(client), cancellationToken);
        LogSwept(logger, report.Seen, report.Started.Count, report.Removed.Count);
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Sweep saw {Canaries} canaries, started {Started}, removed {Removed}")]
    private static partial void LogSwept(ILogger logger, int canaries, int started, int removed);
}
