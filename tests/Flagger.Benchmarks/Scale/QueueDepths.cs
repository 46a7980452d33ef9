using Azure.Storage.Queues;

namespace Flagger.Benchmarks.Scale;

/// <summary>
/// Samples the task hub's queues in storage while the rollouts run: a backlog on the work-item queue means
/// activities wait for a free activity slot; one on the control queues means orchestration episodes
/// (timers fired, activity results) wait for the orchestration dispatcher.
/// </summary>
public sealed class QueueDepths(string connectionString, string taskHub) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public int MaxWorkItems { get; private set; }

    public int MaxControl { get; private set; }

    public int Samples { get; private set; }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var service = new QueueServiceClient(connectionString);
        var prefix = taskHub.ToLowerInvariant() + "-";
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                int workItems = 0, control = 0;
                await foreach (var queue in service.GetQueuesAsync(prefix: prefix, cancellationToken: cancellationToken))
                {
                    var properties = await service.GetQueueClient(queue.Name).GetPropertiesAsync(cancellationToken);
                    if (queue.Name.EndsWith("-workitems", StringComparison.Ordinal))
                    {
                        workItems += properties.Value.ApproximateMessagesCount;
                    }
                    else if (queue.Name.Contains("-control-", StringComparison.Ordinal))
                    {
                        control += properties.Value.ApproximateMessagesCount;
                    }
                }

                MaxWorkItems = Math.Max(MaxWorkItems, workItems);
                MaxControl = Math.Max(MaxControl, control);
                Samples++;
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
