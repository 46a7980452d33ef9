using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Core.Analysis;

/// <summary>
/// The "apply" step of a tick: performs the decision's actions in order and writes the status (before the
/// finalizer of a deleted Canary is removed, else last). Alerts are
/// sent apart, once the tick is recorded, so a tick applied again after a crash never alerts twice.
/// </summary>
public sealed class DecisionApplier(
    ICanaryCluster cluster,
    ITrafficRouter router,
    IWebhookClient webhooks,
    IEventRecorder events,
    INotifier notifier)
{
    public async Task ApplyAsync(CanaryObservation observation, TickDecision decision, CancellationToken cancellationToken)
    {
        var canary = observation.Canary;
        var routeVersion = observation.Routes.Version;
        var status = decision.NextStatus;
        foreach (var action in decision.Actions)
        {
            switch (action)
            {
                case SetRoutes weights:
                    await router.SetRoutesAsync(canary, weights, routeVersion, cancellationToken);
                    routeVersion = null;
                    break;
                case ScaleTargetToZero:
                    await cluster.ScaleTargetToZeroAsync(canary, cancellationToken);
                    break;
                case ScaleTargetUp:
                    await cluster.ScaleTargetUpAsync(canary, cancellationToken);
                    break;
                case PromotePrimary:
                    await cluster.PromotePrimaryAsync(canary, cancellationToken);
                    break;
                case ScalePrimaryUp scale:
                    await cluster.ScalePrimaryUpAsync(canary, scale.Replicas, scale.HoldMinimum, cancellationToken);
                    break;
                case ReleasePrimaryScaler:
                    await cluster.ReleasePrimaryScalerAsync(canary, cancellationToken);
                    break;
                case RecordEvent canaryEvent:
                    await events.RecordAsync(canary, canaryEvent, cancellationToken);
                    break;
                case SendAlert:
                    break;
                case RunPostRolloutHooks postRollout:
                    await RunPostRolloutHooksAsync(canary, decision.NextStatus ?? canary.Status, postRollout.Phase, cancellationToken);
                    break;
                case AddFinalizer:
                    await cluster.AddFinalizerAsync(canary, cancellationToken);
                    break;
                case RemoveFinalizer when CanaryFinalizer.IsBeingDeleted(canary):
                    // The status can only be written while the finalizer still keeps the Canary: it goes first.
                    await cluster.RemoveFinalizerAsync(canary, status, cancellationToken);
                    status = null;
                    break;
                case RemoveFinalizer:
                    await cluster.RemoveFinalizerAsync(canary, null, cancellationToken);
                    break;
                case RestoreTarget:
                    await cluster.RestoreTargetAsync(canary, cancellationToken);
                    break;
                case RevertApexService:
                    await cluster.RevertApexServiceAsync(canary, cancellationToken);
                    break;
                case RevertRoutes:
                    await router.RevertAsync(canary, cancellationToken);
                    break;
                default:
                    throw new NotSupportedException($"Unknown canary action {action.GetType().Name}");
            }
        }

        if (status is not null)
        {
            await cluster.WriteStatusAsync(canary, status, cancellationToken);
        }
    }

    public async Task SendAlertsAsync(Canary canary, TickDecision decision, CancellationToken cancellationToken)
    {
        foreach (var alert in decision.Actions.OfType<SendAlert>())
        {
            await notifier.NotifyAsync(canary, alert, cancellationToken);
        }
    }

    /// <summary>Post-rollout hooks only report: a failure is a warning event, never a failed check.</summary>
    private async Task RunPostRolloutHooksAsync(Canary canary, CanaryStatus? status, CanaryPhase phase, CancellationToken cancellationToken)
    {
        var withStatus = new Canary { Metadata = canary.Metadata, Spec = canary.Spec, Status = status };
        foreach (var hook in canary.Analysis.WebhooksOfType(WebhookType.PostRollout))
        {
            var answer = await webhooks.CallAsync(hook, CheckRunner.Payload(withStatus, phase, hook), cancellationToken);
            var canaryEvent = answer.Succeeded
                ? new RecordEvent(EventSeverity.Info, $"Post-rollout check {hook.Name} passed", phase)
                : new RecordEvent(EventSeverity.Warning, $"Post-rollout hook {hook.Name} failed {answer.Message}", phase);
            await events.RecordAsync(canary, canaryEvent, cancellationToken);
        }
    }
}
