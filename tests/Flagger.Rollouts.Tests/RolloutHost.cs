using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// The real orchestrator and activities on the in-process Durable Task host, over an in-memory world and
/// store. Intervals come from the input (the host's timers wait in real time).
/// </summary>
internal sealed class RolloutHost : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly DurableTaskTestHost _host;

    private RolloutHost(DurableTaskTestHost host, InMemoryWorld world, InMemoryRolloutStore store, InMemoryOperationInbox inbox)
    {
        _host = host;
        World = world;
        Store = store;
        Inbox = inbox;
        Scheduler = new DurableRolloutScheduler(host.Client, Interval, idleGrace: TimeSpan.FromMilliseconds(200));
    }

    public InMemoryWorld World { get; }

    public InMemoryRolloutStore Store { get; }

    public InMemoryOperationInbox Inbox { get; }

    public DurableRolloutScheduler Scheduler { get; }

    public DurableTaskClient Client => _host.Client;

    public string InstanceId => RolloutInput.InstanceId(World.Canary.Metadata.NamespaceProperty, World.Canary.Metadata.Name);

    /// <summary>Every activity execution, in order: the orchestration's cost in billed executions.</summary>
    public List<string> Activities { get; } = [];

    /// <summary>Orchestrator episodes (each run of the orchestrator function, replaying its history): billed executions too.</summary>
    public int Episodes => _episodes;

    private int _episodes;

    public static async Task<RolloutHost> StartAsync(InMemoryWorld world, InMemoryRolloutStore? store = null)
    {
        store ??= new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        var steps = new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), new SeparateTickStateReader(store, inbox), store, inbox);
        RolloutHost? created = null;
        var host = await StartTestHostAsync(registry =>
        {
            registry.AddOrchestratorFunc<RolloutInput, TickOutcome?>(CanaryRollout.Orchestrator, (context, _) =>
            {
                Interlocked.Increment(ref created!._episodes);
                return CanaryRollout.RunAsync(context);
            });
            registry.AddActivityFunc<TickRequest, TickOutcome?>(CanaryRollout.Tick, (_, request) =>
            {
                created!.Activities.Add(CanaryRollout.Tick);
                return steps.TickAsync(request, CancellationToken.None);
            });
        });
        created = new RolloutHost(host, world, store, inbox);
        return created;
    }

    /// <summary>
    /// The test host picks a free port and then binds it; with the other test assemblies running in parallel the
    /// port is sometimes taken in between (seen in CI: "address already in use"), so a failed bind is tried again.
    /// </summary>
    private static async Task<DurableTaskTestHost> StartTestHostAsync(Action<DurableTaskRegistry> register)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(register);
            }
            catch (IOException e) when (attempt < 5 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await Task.Delay(50 * attempt);
            }
        }
    }

    public Task StartAsync() => Scheduler.StartOrSignalAsync(World.Canary.Metadata.NamespaceProperty, World.Canary.Metadata.Name, Core.Ports.RolloutSignal.Resync, CancellationToken.None);

    /// <summary>What the operation API does: the operation into the inbox, then a wake-up.</summary>
    public async Task SignalAsync(CanaryOperationKind kind, string by = "tester")
    {
        var (ns, name) = (World.Canary.Metadata.NamespaceProperty, World.Canary.Metadata.Name);
        var detail = kind == CanaryOperationKind.Approve ? WebhookType.ConfirmPromotion : null;
        await Inbox.EnqueueAsync(ns, name, new CanaryOperation(kind, by, DateTimeOffset.UtcNow, detail), CancellationToken.None);
        await Scheduler.StartOrSignalAsync(ns, name, Core.Ports.RolloutSignal.Operation, CancellationToken.None);
    }

    /// <summary>Waits until the orchestration has ended (the canary is idle again).</summary>
    public async Task<OrchestrationMetadata> CompletedAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var metadata = await Client.WaitForInstanceCompletionAsync(InstanceId, getInputsAndOutputs: true, cancel.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        return metadata;
    }

    public async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met; phase {World.Phase}, weight {World.CanaryWeight}");
            await Task.Delay(20);
        }
    }

    public CanaryPhase? Phase => World.Phase;

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
