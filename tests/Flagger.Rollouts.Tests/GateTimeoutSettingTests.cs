using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Webhooks;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts.Tests;

/// <summary>The host's default gate timeout (<c>Webhooks__GateTimeout</c>) reaches the tick's decision.</summary>
public sealed class GateTimeoutSettingTests
{
    [Fact]
    public async Task WebhooksGateTimeout_ReachesTheDecision_AndRollsBackAGateClosedLongerThanIt()
    {
        var world = new InMemoryWorld(Podinfo.Canary().WithStepWeight(50)
            .WithWebhook(WebhookType.ConfirmPromotion, "gate", "http://tester/gate/check").Build());
        world.HookAnswers["gate"] = WebhookResult.Failure("Forbidden", 403);
        var (store, inbox) = (new InMemoryRolloutStore(), new InMemoryOperationInbox());
        var steps = new RolloutSteps(
            new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world),
            new SeparateTickStateReader(store, inbox), store, inbox, webhookOptions: Options.Create(new WebhookOptions { GateTimeout = TimeSpan.FromMinutes(3) }));

        for (var i = 0; i < 15 && world.Phase != CanaryPhase.Failed; i++)
        {
            if (i == 3)
            {
                world.UpdateTarget("podinfo:2.0.0");
            }

            await steps.TickAsync(new TickRequest("test", "podinfo", world.Now, $"tick-{i}"), CancellationToken.None);
            world.Now += TimeSpan.FromMinutes(1);
        }

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error &&
            a.Message == "Gate confirm-promotion (gate) closed for 4m0s, longer than the default gate timeout 3m0s: rolling back");
    }
}
