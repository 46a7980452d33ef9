using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Webhooks;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts.Tests;

/// <summary>The host's default gate timeout (<c>Webhooks__GateTimeout</c>) reaches the decision through the observe step's observation.</summary>
public sealed class GateTimeoutSettingTests
{
    [Fact]
    public async Task WebhooksGateTimeout_RidesInTheObservationThroughTheActivityPayload_AndRollsBackAClosedGate()
    {
        var world = new InMemoryWorld(Podinfo.Canary().WithStepWeight(50)
            .WithWebhook(WebhookType.ConfirmPromotion, "gate", "http://tester/gate/check").Build());
        world.HookAnswers["gate"] = WebhookResult.Failure("Forbidden", 403);
        var (store, inbox) = (new InMemoryRolloutStore(), new InMemoryOperationInbox());
        var steps = new RolloutSteps(
            new CanaryObserver(world, world), world, new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world),
            new SeparateTickStateReader(store, inbox), store, inbox, webhookOptions: Options.Create(new WebhookOptions { GateTimeout = TimeSpan.FromMinutes(3) }));

        var observations = new List<CanaryObservation>();
        for (var i = 0; i < 15 && world.Phase != CanaryPhase.Failed; i++)
        {
            if (i == 3)
            {
                world.UpdateTarget("podinfo:2.0.0");
            }

            var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
            var report = observed.Plan is { } plan ? await steps.RunChecksAsync(new ChecksRequest(observed.Observation!.Canary, plan), CancellationToken.None) : null;
            // As the orchestrator hands it to the apply activity: serialised.
            var request = JsonSerializer.Deserialize<ApplyRequest>(JsonSerializer.Serialize(new ApplyRequest(observed.Observation!, report, observed.Context)))!;
            observations.Add(request.Observation);
            await steps.ApplyAsync(request, CancellationToken.None);
            world.Now += TimeSpan.FromMinutes(1);
        }

        Assert.All(observations, o => Assert.Equal(TimeSpan.FromMinutes(3), o.DefaultGateTimeout));
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error &&
            a.Message == "Gate confirm-promotion (gate) closed for 4m0s, longer than the default gate timeout 3m0s: rolling back");
    }
}
