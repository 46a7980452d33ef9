using CsCheck;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;

namespace Flagger.Rollouts.Tests.Safety;

/// <summary>
/// The operation inbox under the real orchestrator on the in-process Durable host: operations accepted at
/// random moments (between ticks, during a slow webhook check, while the instance is ending) are each applied
/// exactly once, in the order accepted (I3), and the inbox ends empty. <c>FLAGGER_SAFETY_DURABLE_ITERATIONS</c>
/// raises the run count.
/// </summary>
public sealed class DurableInboxSafetyTests
{
    private static readonly long s_iterations =
        long.TryParse(Environment.GetEnvironmentVariable("FLAGGER_SAFETY_DURABLE_ITERATIONS"), out var n) ? n : 6;

    private static readonly Gen<(int DelayMs, CanaryOperationKind Kind)[]> s_operations =
        Gen.Select(Gen.Int[0, 120], Gen.Enum<CanaryOperationKind>()).Array[1, 8];

    [Fact]
    public async Task OperationsAtRandomMomentsDuringSlowTicks_AreEachAppliedOnceInOrder()
    {
        await s_operations.SampleAsync(RunAsync, iter: s_iterations, threads: 1,
            print: ops => string.Join(", ", ops.Select(o => $"+{o.DelayMs}ms {o.Kind}")));
    }

    private static async Task RunAsync((int DelayMs, CanaryOperationKind Kind)[] operations)
    {
        var canary = Podinfo.Canary().WithStepWeight(25).WithMaxWeight(50).WithThreshold(2)
            .WithWebhook(WebhookType.Rollout, "load", "http://loadtester/").Build();
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(canary));
        await host.StartAsync();
        await host.CompletedAsync();
        host.World.HookDelay = TimeSpan.FromMilliseconds(60);
        host.World.UpdateTarget("podinfo:2.0.0");
        await host.StartAsync();

        var accepted = new List<string>();
        foreach (var (delay, kind) in operations)
        {
            await Task.Delay(delay);
            var by = $"op-{accepted.Count + 1}-{kind}";
            await host.SignalAsync(kind, by);
            accepted.Add(by);
        }

        var applied = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var history = await host.Store.GetHistoryAsync("test", "podinfo", 1000, null, CancellationToken.None);
            applied = [.. history.Entries.OrderBy(e => e.Sequence).SelectMany(e => e.Operations).Select(o => o.By!)];
            var pending = await host.Inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None);
            if ((applied.Count >= accepted.Count && pending.Count == 0) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.True(accepted.SequenceEqual(applied),
            $"I3: accepted [{string.Join(", ", accepted)}], applied [{string.Join(", ", applied)}], phase {host.Phase}");
    }
}
