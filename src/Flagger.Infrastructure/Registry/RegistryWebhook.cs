using System.Diagnostics;
using Azure;
using Flagger.Core.Ports;
using Flagger.Core.Registry;
using Flagger.Core.Telemetry;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// <c>POST /api/registry/events</c>: Event Grid's webhook for registry pushes, host-agnostic so the Function
/// App and the ASP.NET host map the same code. Answers the validation handshakes, then for each
/// <c>ImagePushed</c> sets the image on every owned canary target that runs the repository and whose image
/// policy accepts the tag, and starts or signals its rollout. Patch and signal only: it never waits for a rollout.
/// </summary>
/// <remarks>
/// Deliveries are at least once and unordered. An event id is recorded only after its work succeeded, so a
/// 503 (or a crash mid-way) leaves nothing that would turn Event Grid's redelivery into a no-op. Claiming
/// the id first and undoing it on failure would lose the push for good whenever the process died between
/// claim and undo. The work is safe to repeat: a target already at the pushed digest is unchanged (and not
/// signalled: a re-push of the image running or under analysis never wakes its rollout), the patch only
/// applies to the Deployment as it was read (resourceVersion), and the policy never downgrades. A delivery
/// that patched a target but failed to signal its rollout is answered 503; the timer sweep finds the changed
/// target and starts the rollout, so nothing is lost. A push is deployed only through an analysis: never to
/// the target of an invalid or uninitialised Canary (reported, with a Warning Event on the Canary).
/// A target Flux or Argo CD applies from Git is not patched by default (<see cref="RegistryOptions.GitOpsTargets"/>):
/// the controller would put the Git image back, and the rollout with it. The report says which controller and
/// what showed it, the Canary gets a Normal Event once per delivery (not per redelivery of the same event id),
/// and the Git change, once applied, is found by the sweep, which starts the rollout as Flagger's polling does.
/// </remarks>
public sealed class RegistryWebhook(
    ICanaryCatalog catalog,
    IRolloutScheduler scheduler,
    IRolloutStore store,
    IOptions<RegistryOptions> options,
    TimeProvider time,
    ILogger<RegistryWebhook> logger)
{
    /// <summary>Re-reads after a lost patch race before the delivery is handed back for redelivery.</summary>
    public const int PatchAttempts = 3;

    /// <summary>Each delivery counted and timed in <see cref="FlaggerTelemetry.RegistryRequests"/> and <see cref="FlaggerTelemetry.RegistryDuration"/>, by the status answered.</summary>
    public async Task<RegistryResponse> HandleAsync(RegistryRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var response = await AnswerAsync(request, cancellationToken);
            outcome = response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return response;
        }
        finally
        {
            var tags = new TagList { { FlaggerTelemetry.OutcomeAttribute, outcome } };
            FlaggerTelemetry.RegistryRequests.Add(1, tags);
            FlaggerTelemetry.RegistryDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private async Task<RegistryResponse> AnswerAsync(RegistryRequest request, CancellationToken cancellationToken)
    {
        if (string.Equals(request.Method, "OPTIONS", StringComparison.OrdinalIgnoreCase))
        {
            return EventGridHandshake.AnswerAbuseProtection(request);
        }

        if (!string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return RegistryResponse.Json(405, EventGridHandshake.Error($"{request.Method} is not allowed"), new Dictionary<string, string> { ["Allow"] = "OPTIONS, POST" });
        }

        switch (RegistryEventReader.Read(request.Body, request.Header("Content-Type")))
        {
            case RegistryDelivery.Malformed malformed:
                Logs.DeliveryMalformed(logger, malformed.Reason);
                return RegistryResponse.Json(400, EventGridHandshake.Error(malformed.Reason));
            case RegistryDelivery.Validation validation:
                Logs.SubscriptionValidated(logger);
                return EventGridHandshake.AnswerValidation(validation.Code);
            case RegistryDelivery.Events events:
                return await HandleEventsAsync(events.Items, cancellationToken);
            default:
                throw new InvalidOperationException("unknown delivery");
        }
    }

    private async Task<RegistryResponse> HandleEventsAsync(IReadOnlyList<RegistryEvent> events, CancellationToken cancellationToken)
    {
        var reports = new List<EventReport>(events.Count);
        var listing = new Listing(catalog);
        foreach (var e in events)
        {
            if (e.Push is not { } push)
            {
                reports.Add(new EventReport(e.Id, e.Type, EventOutcome.Ignored, e.Ignored, null, []));
                continue;
            }

            var canaries = new List<CanaryReport>();
            var notices = new List<(CanaryTarget Target, string Message)>();
            try
            {
                var complete = await DeployAsync(push, listing, canaries, notices, cancellationToken);
                if (!complete)
                {
                    reports.Add(new EventReport(e.Id, e.Type, EventOutcome.Failed, $"the target kept changing during {PatchAttempts} attempts", push.Image, canaries));
                    return RegistryResponse.Json(503, new RegistryReport(reports, "a target changed while it was patched; send again").ToJson());
                }

                var first = await store.TryRecordDeliveryAsync(push.EventId, time.GetUtcNow(), cancellationToken);
                if (!first)
                {
                    Logs.DuplicateDelivery(logger, push.EventId);
                }
                else
                {
                    // After the record, so a redelivery (of a 503, or Event Grid's own) does not say it again.
                    foreach (var (target, message) in notices)
                    {
                        await catalog.InformAsync(target, message, cancellationToken);
                    }
                }

                reports.Add(new EventReport(e.Id, e.Type, first ? EventOutcome.Handled : EventOutcome.Duplicate, null, push.Image, canaries));
            }
            catch (Exception x) when (TransientFailures.IsTransient(x, cancellationToken))
            {
                Logs.TransientFailure(logger, e.Id, x);
                reports.Add(new EventReport(e.Id, e.Type, EventOutcome.Failed, Describe(x), push.Image, canaries));
                return RegistryResponse.Json(503, new RegistryReport(reports, "a dependency is unavailable; send again").ToJson());
            }
            catch (Exception x) when (x is HttpOperationException or RequestFailedException)
            {
                Logs.PermanentFailure(logger, e.Id, x);
                reports.Add(new EventReport(e.Id, e.Type, EventOutcome.Failed, Describe(x), push.Image, canaries));
                return RegistryResponse.Json(500, new RegistryReport(reports, "a dependency refused the request").ToJson());
            }
        }

        return RegistryResponse.Json(200, new RegistryReport(reports).ToJson());
    }

    /// <summary>Applies one push to every owned canary running its repository. False when a target kept changing.</summary>
    /// <param name="notices">Normal Events to record once the delivery is recorded as handled (GitOps-managed targets left alone).</param>
    private async Task<bool> DeployAsync(ImagePush push, Listing listing, List<CanaryReport> reports, List<(CanaryTarget Target, string Message)> notices, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var complete = true;
        foreach (var target in await listing.RunningAsync(push, settings, cancellationToken))
        {
            if (target.Blocked is { } blocked)
            {
                Logs.ImageBlocked(logger, push.Image, push.EventId, target.Namespace, target.Name, blocked);
                await catalog.WarnAsync(target, $"Push of {push.Image} not deployed: {blocked}", cancellationToken);
                reports.Add(new CanaryReport(target.Namespace, target.Name, CanaryOutcome.Skipped, FindContainer(target, push)?.Name, null, null, blocked));
                continue;
            }

            var report = await DeployToAsync(target, push, settings, cancellationToken);
            complete &= report is not null;
            if (report is { Outcome: CanaryOutcome.GitOpsManaged })
            {
                notices.Add((target, $"Push of {push.Image} not deployed: {report.Reason}"));
            }

            if (report?.Outcome is not (CanaryOutcome.Unchanged or CanaryOutcome.Refused or CanaryOutcome.GitOpsManaged))
            {
                listing.Changed(target);
            }

            reports.Add(report ?? new CanaryReport(target.Namespace, target.Name, CanaryOutcome.Failed, null, null, push.Image, "the target kept changing"));
        }

        return complete;
    }

    private async Task<CanaryReport?> DeployToAsync(CanaryTarget target, ImagePush push, RegistryOptions settings, CancellationToken cancellationToken)
    {
        var current = target;
        for (var attempt = 1; attempt <= PatchAttempts; attempt++)
        {
            var container = FindContainer(current, push);
            if (container is null)
            {
                return new CanaryReport(target.Namespace, target.Name, CanaryOutcome.Gone, null, null, null, $"the target no longer runs {push.Name}");
            }

            var policy = ImagePolicy.FromAnnotations(current.Annotations);
            var decision = ImagePolicy.Decide(policy, container.Image, push.Name, push.Tag, push.Digest, push.PushedAt, current.LastPushAt);
            if (decision is ImageDecision.Refuse refuse)
            {
                Logs.ImageRefused(logger, push.Image, push.EventId, current.Namespace, current.Name, refuse.Reason);
                return new CanaryReport(current.Namespace, current.Name, refuse.IsNoOp ? CanaryOutcome.Unchanged : CanaryOutcome.Refused, container.Name, container.Image, null, refuse.Reason);
            }

            var image = ((ImageDecision.Accept)decision).NewImage;
            if (current.ManagedBy is { } manager && !GitOpsTargetPolicy.Patches(settings.GitOpsTargets, current.Annotations, out var skipped))
            {
                var reason = GitOpsReason(current, manager, skipped);
                Logs.ImageRefused(logger, push.Image, push.EventId, current.Namespace, current.Name, reason);
                return new CanaryReport(current.Namespace, current.Name, CanaryOutcome.GitOpsManaged, container.Name, container.Image, null, reason);
            }

            switch (await catalog.SetImageAsync(current, container.Name, image, push.PushedAt, cancellationToken))
            {
                case ImagePatchOutcome.Patched:
                    await scheduler.StartOrSignalAsync(current.Namespace, current.Name, RolloutSignal.NewImage, cancellationToken);
                    Logs.ImagePatched(logger, image, push.EventId, current.Namespace, current.Name, container.Name, container.Image);
                    return new CanaryReport(current.Namespace, current.Name, CanaryOutcome.Patched, container.Name, container.Image, image, null);
                case ImagePatchOutcome.NotFound:
                    return new CanaryReport(current.Namespace, current.Name, CanaryOutcome.Gone, container.Name, container.Image, null, $"deployment {current.Deployment} is gone");
                case ImagePatchOutcome.Uninitialised:
                    var reason = $"the primary deployment {current.Deployment}-primary.{current.Namespace} does not exist (the Canary is not initialised); the push was not deployed";
                    Logs.ImageBlocked(logger, push.Image, push.EventId, current.Namespace, current.Name, reason);
                    await catalog.WarnAsync(current, $"Push of {push.Image} not deployed: {reason}", cancellationToken);
                    return new CanaryReport(current.Namespace, current.Name, CanaryOutcome.Skipped, container.Name, container.Image, null, reason);
            }

            var reread = await catalog.GetAsync(current.Namespace, current.Name, cancellationToken);
            if (reread is null)
            {
                return new CanaryReport(target.Namespace, target.Name, CanaryOutcome.Gone, container.Name, container.Image, null, "the canary or its target is gone");
            }

            current = reread;
        }

        return null;
    }

    /// <summary>
    /// The catalog as one delivery sees it: listed once, however many events the delivery holds (a batch of
    /// 1,000 events used to list every Canary and Deployment 1,000 times). A target this delivery may have
    /// changed is read again before a later event of the same repository uses it.
    /// </summary>
    private sealed class Listing(ICanaryCatalog catalog)
    {
        private readonly HashSet<(string Namespace, string Name)> _changed = [];
        private List<CanaryTarget>? _targets;

        /// <summary>The watched targets with a container of the pushed repository, fresh where this delivery changed them.</summary>
        public async Task<IReadOnlyList<CanaryTarget>> RunningAsync(ImagePush push, RegistryOptions settings, CancellationToken cancellationToken)
        {
            _targets ??= [.. await catalog.ListAsync(cancellationToken)];
            var running = new List<CanaryTarget>();
            for (var i = 0; i < _targets.Count; i++)
            {
                var target = _targets[i];
                if (!settings.Watches(target.Namespace) || FindContainer(target, push) is null)
                {
                    continue;
                }

                if (_changed.Remove((target.Namespace, target.Name)))
                {
                    if (await catalog.GetAsync(target.Namespace, target.Name, cancellationToken) is not { } fresh)
                    {
                        // Gone: so it stays for the later events of this delivery too.
                        _changed.Add((target.Namespace, target.Name));
                        continue;
                    }

                    _targets[i] = target = fresh;
                    if (FindContainer(target, push) is null)
                    {
                        continue;
                    }
                }

                running.Add(target);
            }

            return running;
        }

        public void Changed(CanaryTarget target) => _changed.Add((target.Namespace, target.Name));
    }

    private static string GitOpsReason(CanaryTarget target, GitOpsManager manager, string skipped) =>
        $"deployment {target.Deployment}.{target.Namespace} is applied by {manager.Controller} ({manager.Evidence}), which would revert a patch; " +
        $"the push was not deployed, and the rollout starts when the Git change reaches the target ({skipped})";

    private static TargetContainer? FindContainer(CanaryTarget target, ImagePush push)
    {
        foreach (var container in target.Containers)
        {
            if (ImageReference.TryParse(container.Image, out var reference, out _) && reference.Name == push.Name)
            {
                return container;
            }
        }

        return null;
    }

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException k8s => $"kubernetes answered {(int)k8s.Response.StatusCode} {k8s.Response.ReasonPhrase}",
        RequestFailedException azure => $"storage answered {azure.Status} {azure.ErrorCode}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
