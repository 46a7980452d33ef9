using Flagger.Core.Ports;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Flagger.Rollouts;

/// <summary>
/// Starts a canary's orchestration, or signals the running one. The instance id is deterministic, so two
/// triggers racing to start the same canary end with one instance: the loser signals it instead.
/// </summary>
public sealed class DurableRolloutScheduler(DurableTaskClient client, TimeSpan? interval = null, TimeSpan? idleGrace = null) : IRolloutScheduler
{
    public async Task StartOrSignalAsync(string @namespace, string name, RolloutSignal signal, CancellationToken cancellationToken)
    {
        var instanceId = RolloutInput.InstanceId(@namespace, name);
        var instance = await client.GetInstanceAsync(instanceId, cancellationToken);
        if (instance is not null && IsAlive(instance.RuntimeStatus))
        {
            await client.RaiseEventAsync(instanceId, CanaryRollout.SignalEvent, signal, cancellationToken);
            return;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                CanaryRollout.Orchestrator,
                new RolloutInput(@namespace, name, interval, idleGrace),
                new StartOrchestrationOptions(instanceId),
                cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or Grpc.Core.RpcException)
        {
            // Someone else started it between the read and the start: it is alive now, so signal it.
            await client.RaiseEventAsync(instanceId, CanaryRollout.SignalEvent, signal, cancellationToken);
        }
    }

    public static bool IsAlive(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended;
}
