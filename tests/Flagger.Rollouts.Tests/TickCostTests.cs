using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Rollouts.Tests.Safety;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// What one steady-state tick (a due weight step with a rollout hook and the two builtin metrics) costs in
/// activities, storage calls and Durable payload bytes, counted on the tick's real activities. The Kubernetes
/// request count of the same tick is asserted over the fake API server in the Infrastructure tests.
/// </summary>
public sealed class TickCostTests
{
    [Fact]
    public async Task ASteadyStateWeightStep_IsThreeActivities_FourStorageCalls_AndPayloadsUnder8KB()
    {
        var world = new InMemoryWorld(Podinfo.Canary().WithStepWeight(10).WithMaxWeight(50)
            .WithWebhook(WebhookType.Rollout, "load-test", "http://flagger-loadtester.test/")
            .Build());
        var store = new InMemoryRolloutStore();
        var parts = new FaultyParts(world, store, new InMemoryOperationInbox());
        var steps = new RolloutSteps(new CanaryObserver(parts, parts), parts, new CheckRunner(world, parts), new DecisionApplier(parts, parts, world, world, world), parts, parts, parts);
        async Task<(int Activities, List<int> Payloads)> TickAsync()
        {
            var payloads = new List<int>();
            var observe = new ObserveRequest("test", "podinfo", world.Now);
            var observed = await steps.ObserveAsync(observe, CancellationToken.None);
            payloads.AddRange([Size(observe), Size(observed)]);
            CheckReport? report = null;
            if (observed.Plan is { } plan)
            {
                var checks = new ChecksRequest(observed.Observation!.Canary, plan);
                report = await steps.RunChecksAsync(checks, CancellationToken.None);
                payloads.AddRange([Size(checks), Size(report)]);
            }

            var apply = new ApplyRequest(observed.Observation!, report, observed.Context);
            payloads.AddRange([Size(apply), Size(await steps.ApplyAsync(apply, CancellationToken.None))]);
            world.Now += world.Canary.Analysis.GetInterval();
            return (report is null ? 2 : 3, payloads);
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

        var (activities, payloads) = await TickAsync();

        Assert.Equal(20, world.CanaryWeight);
        Assert.Equal(3, activities);
        // Observe: the checkpoint with the inbox (one query on Table Storage); apply: the tick's begin (its replay check too), history, commit.
        Assert.Equal(4, parts.CallsOf(FaultPart.Storage) - storageBefore);
        // Observe: Canary, workload sync, route sync; checks: the Canary again (the hook's URL); apply: route, status.
        Assert.Equal(6, parts.CallsOf(FaultPart.ApiServer) - apiBefore);
        Console.WriteLine($"tick payloads: {string.Join(", ", payloads)} bytes");
        Assert.All(payloads, size => Assert.InRange(size, 1, 8 * 1024));
    }

    private static int Size<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value).Length;
}
