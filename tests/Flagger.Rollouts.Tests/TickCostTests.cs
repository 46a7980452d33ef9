using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Rollouts.Tests.Safety;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// What one steady-state tick (a due weight step with a rollout hook and the two builtin metrics) costs in
/// storage calls, Kubernetes requests and Durable payload bytes, counted on the tick activity. The Kubernetes
/// request count of the same tick is asserted over the fake API server in the Infrastructure tests too.
/// </summary>
public sealed class TickCostTests
{
    [Fact]
    public async Task ASteadyStateWeightStep_IsOneActivity_FourStorageCalls_FiveKubernetesRequests_AndPayloadsUnder1KB()
    {
        var world = new InMemoryWorld(Podinfo.Canary().WithStepWeight(10).WithMaxWeight(50)
            .WithWebhook(WebhookType.Rollout, "load-test", "http://flagger-loadtester.test/")
            .Build());
        var store = new InMemoryRolloutStore();
        var parts = new FaultyParts(world, store, new InMemoryOperationInbox());
        var steps = new RolloutSteps(new CanaryObserver(parts, parts), new CheckRunner(world, parts), new DecisionApplier(parts, parts, world, world, world), parts, parts, parts);
        var ticks = 0;
        async Task<List<int>> TickAsync()
        {
            // The tick's whole Durable traffic: its request in, its outcome out.
            var request = new TickRequest("test", "podinfo", world.Now, $"tick-{++ticks}");
            var outcome = await steps.TickAsync(request, CancellationToken.None);
            world.Now += world.Canary.Analysis.GetInterval();
            return [Size(request), Size(outcome)];
        }

        world.UpdateTarget("podinfo:1.0.0");
        for (var i = 0; i < 3; i++)
        {
            await TickAsync();
        }

        world.UpdateTarget("podinfo:2.0.0");
        for (var i = 0; i < 6 && world.CanaryWeight < 10; i++)
        {
            await TickAsync();
        }

        Assert.Equal(10, world.CanaryWeight);
        var storageBefore = parts.CallsOf(FaultPart.Storage);
        var apiBefore = parts.CallsOf(FaultPart.ApiServer);

        var payloads = await TickAsync();

        Assert.Equal(20, world.CanaryWeight);
        Assert.Contains(world.HookCalls, h => h.Name == "load-test");
        // Observe: the checkpoint with the inbox (one query on Table Storage); apply: the tick's begin (its replay check too), history, commit.
        Assert.Equal(4, parts.CallsOf(FaultPart.Storage) - storageBefore);
        // Observe: Canary, workload sync, route sync; apply: route, status.
        Assert.Equal(5, parts.CallsOf(FaultPart.ApiServer) - apiBefore);
        Console.WriteLine($"tick payloads: {string.Join(", ", payloads)} bytes");
        Assert.All(payloads, size => Assert.InRange(size, 1, 1024));
    }

    private static int Size<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value).Length;
}
