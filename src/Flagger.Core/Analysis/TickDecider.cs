using System.Globalization;
using Flagger.Core.Model;
using Flagger.Core.Workloads;

namespace Flagger.Core.Analysis;

/// <summary>
/// The steps of one tick in Flagger's order (spec §2.4), with the departures of DESIGN.md §3. Each path
/// appends effects to <see cref="_actions"/> and changes <see cref="_status"/>; nothing here does I/O.
/// </summary>
internal sealed partial class TickDecider
{
    private readonly CanaryObservation _observation;
    private readonly ICheckResults _checks;
    private readonly Canary _canary;
    private readonly CanaryAnalysis _analysis;
    private readonly List<CanaryAction> _actions = [];
    private readonly List<StageResult> _stages = [];
    private CanaryStatus _status;
    private bool _statusChanged;
    private bool _stepped;
    private bool _analysed;

    public TickDecider(CanaryObservation observation, ICheckResults checks)
    {
        _observation = observation;
        _checks = checks;
        _canary = observation.Canary;
        _analysis = _canary.Analysis;
        _status = _canary.Status ?? new CanaryStatus();
    }

    private CanaryPhase? Phase => _status.Phase;

    private WorkloadObservation Workload => _observation.Workload;

    private string Namespace => _canary.Metadata.NamespaceProperty;

    private string Who => $"{_canary.Metadata.Name}.{Namespace}";

    private string TargetWho => $"{_canary.Spec.TargetRef.Name}.{Namespace}";

    private string PrimaryWho => $"{_canary.Spec.TargetRef.Name}-primary.{Namespace}";

    private string Kind => string.IsNullOrEmpty(_canary.Spec.TargetRef.Kind) ? "Deployment" : _canary.Spec.TargetRef.Kind;

    private bool IsIn(params CanaryPhase[] phases) => Phase is { } phase && phases.Contains(phase);

    public TickDecision Decide()
    {
        Tick();
        var summary = _actions.OfType<RecordEvent>().LastOrDefault()?.Message ?? "No change";
        return new TickDecision(_actions, _statusChanged ? _status : null, new CheckReport(_stages), summary) { Stepped = _stepped, Analysed = _analysed };
    }

    private void Tick()
    {
        if (SyncFinalizer())
        {
            return;
        }

        if (_canary.Spec.Suspend)
        {
            Event(EventSeverity.Info, "skipping canary run as object is suspended");
            return;
        }

        if (!Validate())
        {
            return;
        }

        NoteTargetUsability();

        if (_canary.Metadata.Generation is { } generation && _status.ObservedGeneration != generation)
        {
            Update(s => s with { ObservedGeneration = generation });
        }

        if (Phase is null)
        {
            SetPhase(CanaryPhase.Initializing);
        }

        AdoptFromFlagger();

        if (!ApplyOperations() || _status.Paused)
        {
            return;
        }

        // Time is the analysis's: whatever woke this tick, a paced phase steps only once its interval has passed.
        if (CanaryPhases.IsPaced(Phase) && _observation.StepDueAt is { } due && _observation.Now < due)
        {
            return;
        }

        _stepped = true;

        if (Workload.Problem is { } problem)
        {
            Event(EventSeverity.Warning, problem);
            return;
        }

        var skipAnalysis = _canary.Spec.SkipAnalysis;
        if (Phase == CanaryPhase.Initializing)
        {
            if (!Initialize(skipAnalysis))
            {
                return;
            }
        }

        if (IsIn(CanaryPhase.Initialized, CanaryPhase.Succeeded, CanaryPhase.Failed) && !NoteNewRevision())
        {
            return;
        }

        if (!skipAnalysis && !Workload.Primary.IsReady)
        {
            if (Workload.Primary.IsRetriable)
            {
                NotReadyEvent(PrimaryWho, Workload.Primary);
            }
            else if (IsIn(CanaryPhase.Promoting, CanaryPhase.Finalising))
            {
                FailPromotion(Workload.Primary.Message);
            }
            else
            {
                RollBack(RollbackCause.ProgressDeadline, Workload.Primary.Message);
            }

            return;
        }

        var routes = _observation.Routes;
        if (!routes.IsReady)
        {
            Event(EventSeverity.Warning, routes.Message ?? $"Routes of {Who} are not ready");
            return;
        }

        if (!IsIn(CanaryPhase.Progressing, CanaryPhase.WaitingPromotion, CanaryPhase.Promoting, CanaryPhase.Finalising))
        {
            // Our departure: rollback hooks are documented for Waiting, so they run there too.
            if (Phase == CanaryPhase.Waiting && RollbackRequested())
            {
                return;
            }

            StartRun();
            return;
        }

        if (IsIn(CanaryPhase.Progressing, CanaryPhase.WaitingPromotion) &&
            ChangeDetection.HasChanged(_status, Workload.TargetRevision, Workload.TrackedConfigs))
        {
            Event(EventSeverity.Info, $"New revision detected! Restarting analysis for {TargetWho}");
            _actions.Add(new SetRoutes(WeightSchedule.TotalWeight, 0));
            SyncStatus(CanaryPhase.Progressing);
            return;
        }

        if (!Workload.Target.IsReady)
        {
            if (Workload.Target.IsRetriable)
            {
                NotReadyEvent(TargetWho, Workload.Target);
            }
            else
            {
                RollBack(RollbackCause.ProgressDeadline, Workload.Target.Message);
            }

            return;
        }

        if (skipAnalysis)
        {
            PromoteWithoutAnalysis();
            return;
        }

        if (IsIn(CanaryPhase.Progressing, CanaryPhase.WaitingPromotion) && RollbackRequested())
        {
            return;
        }

        if (Phase == CanaryPhase.Promoting)
        {
            ShiftTrafficToPrimary(routes);
            return;
        }

        if (Phase == CanaryPhase.Finalising)
        {
            FinishPromotion();
            return;
        }

        if (_status.FailedChecks >= _analysis.EffectiveThreshold)
        {
            RollBack(RollbackCause.Threshold, null);
            return;
        }

        // Where Flagger starts timing the tick for flagger_canary_duration_seconds (its deferred SetDuration).
        _analysed = true;
        if (!Analyse(routes))
        {
            return;
        }

        switch (_analysis.Strategy)
        {
            case DeploymentStrategy.ABTesting:
                AdvanceABTesting(routes);
                break;
            case DeploymentStrategy.BlueGreen:
                AdvanceBlueGreen(routes);
                break;
            default:
                AdvanceCanary(routes);
                break;
        }
    }

    /// <summary>
    /// Run-time operations, each exactly once, in the order they were asked for, except that an abort wins: it
    /// is applied first, and the others are then judged against the rolled-back canary. Promote and abort act at
    /// once, whatever the readiness or the interval (they are a human's call), and end the tick once every
    /// operation was judged; an operation the phase does not allow is reported and dropped. True when the tick goes on.
    /// </summary>
    private bool ApplyOperations()
    {
        var carryOn = true;
        foreach (var operation in _observation.Operations.OrderBy(o => o.Kind == CanaryOperationKind.Abort ? 0 : 1))
        {
            var by = operation.By ?? "an operator";
            if (CanaryOperations.WhyNot(operation.Kind, _status) is { } reason)
            {
                Event(EventSeverity.Warning, $"Operation {operation.Kind} on {Who} refused: {reason}");
                continue;
            }

            switch (operation.Kind)
            {
                case CanaryOperationKind.Pause:
                    Update(s => s with { Paused = true });
                    Event(EventSeverity.Info, $"Canary {Who} paused by {by}");
                    break;
                case CanaryOperationKind.Resume:
                    // A paused canary asks no gate: a gate's wait starts again on resume (GateTimeout).
                    Update(s => s with { Paused = false, GateWait = null });
                    Event(EventSeverity.Info, $"Canary {Who} resumed by {by}");
                    break;
                case CanaryOperationKind.Approve:
                    Event(EventSeverity.Info, $"Gate {operation.Detail} of {Who} approved by {by}");
                    break;
                case CanaryOperationKind.Retry:
                    Update(s => s with { PendingRevision = s.LastAppliedSpec });
                    Event(EventSeverity.Info, $"Retrying the failed revision of {TargetWho}, asked by {by}");
                    break;
                case CanaryOperationKind.Abort:
                    Event(EventSeverity.Warning, $"Rolling back {Who} aborted by {by}");
                    RollBack(RollbackCause.Aborted, by);
                    carryOn = false;
                    break;
                case CanaryOperationKind.Promote when Workload.Problem is null && ChangeDetection.HasChanged(_status, Workload.TargetRevision, Workload.TrackedConfigs):
                    // Promotion copies the target as it is now: never a revision that was not under analysis.
                    Event(EventSeverity.Warning,
                        $"Operation Promote on {Who} refused: {TargetWho} changed since this run began; the new revision's analysis starts at the next step");
                    break;
                case CanaryOperationKind.Promote:
                    Event(EventSeverity.Info, $"Promoting {Who} now, asked by {by}: the rest of the analysis is skipped");
                    Event(EventSeverity.Info, $"Copying {TargetWho} template spec to {PrimaryWho}");
                    _actions.Add(new PromotePrimary());
                    PreScalePrimary(holdMinimum: true);
                    SetPhase(CanaryPhase.Promoting);
                    carryOn = false;
                    break;
            }
        }

        return carryOn;
    }

    /// <summary>
    /// Our first tick of a Canary Flagger ran (<see cref="FlaggerAdoption"/>), before anything else reads its
    /// hashes. A primary that is the target's copy is taken as promoted: in Initialized and Succeeded the status
    /// gets our hashes and keeps its phase, so no analysis, hook, alert or weight change follows; in Promoting and
    /// Finalising the promotion goes on with our hash. In Failed the target is taken as the revision Flagger
    /// rolled back, as Flagger itself would not run it again after a restart (<c>retry</c> or a new push runs
    /// one). Otherwise, and in the other phases, nothing is rewritten: the target's revision reads as new and
    /// runs its analysis from the start (a run Flagger had in flight restarts). Each case says so in one Event.
    /// </summary>
    private void AdoptFromFlagger()
    {
        if (!FlaggerAdoption.Applies(_observation))
        {
            return;
        }

        var revision = Workload.TargetRevision;
        var configs = Workload.TrackedConfigs;
        var matches = Workload.PrimaryMatchesTarget == true;
        var phase = Phase;
        switch (phase)
        {
            case CanaryPhase.Initialized or CanaryPhase.Succeeded when matches:
                Update(s => s with { LastAppliedSpec = revision, LastPromotedSpec = revision, TrackedConfigs = configs, PendingRevision = null });
                Event(EventSeverity.Info,
                    $"Adopted {Who} from Flagger: {PrimaryWho} runs the revision of {TargetWho}, taken as promoted ({phase} kept, no analysis)");
                break;
            case CanaryPhase.Initialized or CanaryPhase.Succeeded:
                Event(EventSeverity.Info,
                    $"Adopted {Who} from Flagger: {TargetWho} differs from {PrimaryWho}, so its revision runs the analysis");
                break;
            case CanaryPhase.Failed:
                Update(s => s with { LastAppliedSpec = revision, LastPromotedSpec = matches ? revision : null, TrackedConfigs = configs, PendingRevision = null });
                Event(EventSeverity.Info, matches
                    ? $"Adopted {Who} from Flagger in phase Failed: {TargetWho} is back at the revision {PrimaryWho} runs, taken as promoted"
                    : $"Adopted {Who} from Flagger in phase Failed: the revision of {TargetWho} is taken as the one that failed and is not run again (push a new one, or ask retry)");
                break;
            case CanaryPhase.Promoting or CanaryPhase.Finalising when matches:
                Update(s => s with { LastAppliedSpec = revision, TrackedConfigs = configs, PendingRevision = null });
                Event(EventSeverity.Info,
                    $"Adopted {Who} from Flagger during its promotion: {PrimaryWho} runs the revision of {TargetWho}; the promotion goes on");
                break;
            case CanaryPhase.Promoting or CanaryPhase.Finalising:
                Event(EventSeverity.Info,
                    $"Adopted {Who} from Flagger during its promotion: the promotion goes on, then the revision of {TargetWho} runs its analysis");
                break;
            case CanaryPhase.Progressing or CanaryPhase.WaitingPromotion:
                Event(EventSeverity.Info,
                    $"Adopted {Who} from Flagger mid-analysis ({phase}, canary weight {_status.CanaryWeight}): the analysis of {TargetWho} restarts from the beginning");
                break;
            case CanaryPhase.Initializing:
                Event(EventSeverity.Info, $"Adopted {Who} from Flagger while initializing: the initialization goes on");
                break;
            default:
                Event(EventSeverity.Info, $"Adopted {Who} from Flagger in phase {phase}: the revision of {TargetWho} runs its analysis");
                break;
        }
    }

    /// <summary>
    /// An invalid Canary is never acted on: its Validated condition names the fields, and a warning event is
    /// recorded when the verdict changes. True when the tick goes on.
    /// </summary>
    private bool Validate()
    {
        var validation = _observation.Validation;
        var current = _status.Conditions?.FirstOrDefault(c => c.Type == ValidatedCondition.Type);
        var condition = ValidatedCondition.For(validation, current, _observation.Now);
        if (!ReferenceEquals(condition, current))
        {
            Update(s => s with { Conditions = CanaryConditions.Merge(s.Conditions, condition) });
            if (!validation.IsValid)
            {
                Event(EventSeverity.Warning, $"Invalid canary {Who}: {validation.Summary()}");
            }
        }

        return validation.IsValid;
    }

    /// <summary>Keeps the TargetUsable condition in step with the workload on every tick, due or not (the Event waits for a due one).</summary>
    private void NoteTargetUsability()
    {
        var current = _status.Conditions?.FirstOrDefault(c => c.Type == TargetCondition.Type);
        if (TargetCondition.For(Workload.Problem, current, _observation.Now) is { } condition && !ReferenceEquals(condition, current))
        {
            Update(s => s with { Conditions = CanaryConditions.Merge(s.Conditions, condition) });
        }
    }

    /// <summary>Steps 7–13: the primary must be ready before traffic is put on it. True when the tick goes on.</summary>
    private bool Initialize(bool skipAnalysis)
    {
        if (!skipAnalysis && _analysis.Metrics is { Count: > 0 })
        {
            var providers = RunStage(CheckStageKind.ProviderAvailability, null);
            if (providers.Passed && providers.Results.All(r => r.Passed))
            {
                Event(EventSeverity.Info, "all the metrics providers are available!");
            }
            else
            {
                foreach (var failure in providers.Results.Where(r => !r.Passed))
                {
                    Event(EventSeverity.Error, failure.Message);
                }
            }
        }

        if (!skipAnalysis && !Workload.Primary.IsReady)
        {
            if (Workload.Primary.IsRetriable)
            {
                NotReadyEvent(PrimaryWho, Workload.Primary);
            }
            else
            {
                RollBack(RollbackCause.ProgressDeadline, Workload.Primary.Message);
            }

            return false;
        }

        _actions.Add(new ScaleTargetToZero());
        SyncStatus(CanaryPhase.Initialized);
        Event(EventSeverity.Info, $"Initialization done! {Who}");
        Alert(AlertSeverity.Info, $"New {Kind} detected, initialization completed.", withFields: true);
        return true;
    }

    /// <summary>Step 14 for an idle canary. True when the target carries a revision to run.</summary>
    private bool NoteNewRevision()
    {
        var revision = Workload.TargetRevision;
        if (!ChangeDetection.HasChanged(_status, revision, Workload.TrackedConfigs))
        {
            // Flagger's refresh in Failed: after a manual rollback to the promoted spec, re-applying the
            // failed revision must count as a change again.
            if (Phase == CanaryPhase.Failed && _status.LastAppliedSpec != revision)
            {
                Update(s => s with { LastAppliedSpec = revision, TrackedConfigs = Workload.TrackedConfigs });
            }

            return false;
        }

        if (_status.PendingRevision != revision)
        {
            Update(s => s with { PendingRevision = revision });
        }

        return true;
    }

    /// <summary>Step 18: a new revision waits for confirm-rollout, then the canary is scaled up.</summary>
    private void StartRun()
    {
        var gate = RunStage(CheckStageKind.ConfirmRollout, Phase);
        if (!gate.Passed)
        {
            if (GateTimedOut(WebhookType.ConfirmRollout, gate))
            {
                return;
            }

            if (Phase != CanaryPhase.Waiting)
            {
                SetPhase(CanaryPhase.Waiting);
                Event(EventSeverity.Warning, $"Halt {Who} advancement waiting for approval {gate.FirstFailure?.Name}");
                AlertUnlessMuted(gate, AlertSeverity.Warn, "Canary is waiting for approval.");
            }

            return;
        }

        PassedEvents(gate, "Confirm-rollout");
        SyncStatus(CanaryPhase.Progressing);
        Event(EventSeverity.Info, $"New revision detected! Scaling up {TargetWho}");
        Alert(AlertSeverity.Info, "New revision detected, progressing canary analysis.", withFields: true);
        _actions.Add(new ScaleTargetUp());
    }

    /// <summary>Step 22: the first rollback hook that answers 2xx rolls the canary back.</summary>
    private bool RollbackRequested()
    {
        if (!_analysis.WebhooksOfType(WebhookType.Rollback).Any())
        {
            return false;
        }

        var hooks = RunStage(CheckStageKind.Rollback, Phase);
        if (hooks.Passed)
        {
            return false;
        }

        Event(EventSeverity.Warning, $"Rolling back {Who} manual webhook invoked");
        RollBack(RollbackCause.Manual, null);
        return true;
    }

    /// <summary>Step 27: pre-rollout hooks on the first analysis tick, rollout hooks and metrics after.</summary>
    private bool Analyse(RouteObservation routes)
    {
        var firstTick = routes.CanaryWeight == 0 && _status.Iterations == 0 && !(_analysis.Mirror && routes.Mirrored);
        if (firstTick)
        {
            Event(EventSeverity.Info, $"Starting canary analysis for {TargetWho}");
            var pre = RunStage(CheckStageKind.PreRollout, CanaryPhase.Progressing);
            if (!pre.Passed)
            {
                CountFailedCheck(pre, "pre-rollout check");
                return false;
            }

            PassedEvents(pre, "Pre-rollout");
            return true;
        }

        var analysis = RunStage(CheckStageKind.Analysis, CanaryPhase.Progressing);
        foreach (var skipped in analysis.Results.Where(r => r.Verdict == CheckVerdict.Skipped))
        {
            Event(EventSeverity.Info, skipped.Message);
        }

        if (!analysis.Passed)
        {
            CountFailedCheck(analysis, "external check");
            return false;
        }

        return true;
    }

    private void CountFailedCheck(StageResult stage, string hookLabel)
    {
        var failure = stage.FirstFailure;
        var message = failure switch
        {
            { Kind: CheckKind.Webhook } => $"Halt {Who} advancement {hookLabel} {failure.Name} failed {failure.Message}",
            { } => failure.Message,
            null => $"Halt {Who} advancement: checks failed",
        };
        Event(EventSeverity.Warning, message);
        Update(s => s with { FailedChecks = s.FailedChecks + 1 });
    }

    /// <summary>Steps 30 and runCanary (spec §2.8).</summary>
    private void AdvanceCanary(RouteObservation routes)
    {
        var step = WeightSchedule.NextStep(_analysis, routes.CanaryWeight);
        if (step > 0 && !routes.Mirrored && !IsIn(CanaryPhase.Promoting, CanaryPhase.WaitingPromotion, CanaryPhase.Finalising))
        {
            var gate = RunStage(CheckStageKind.ConfirmTrafficIncrease, CanaryPhase.Progressing);
            if (!gate.Passed)
            {
                if (GateTimedOut(WebhookType.ConfirmTrafficIncrease, gate))
                {
                    return;
                }

                Event(EventSeverity.Warning, $"Halt {Who} advancement waiting for traffic increase approval {gate.FirstFailure?.Name}");
                AlertUnlessMuted(gate, AlertSeverity.Warn, "Canary traffic increase is waiting for approval.");
                return;
            }

            PassedEvents(gate, "Confirm-traffic-increase");
            GateOpened();
        }

        if (routes.CanaryWeight < WeightSchedule.MaxWeight(_analysis))
        {
            var (primary, canary) = WeightSchedule.Advance(routes.PrimaryWeight, routes.CanaryWeight, step);
            _actions.Add(new SetRoutes(primary, canary));
            Update(s => s with { CanaryWeight = canary });
            Event(EventSeverity.Info, $"Advance {Who} canary weight {canary}");
            return;
        }

        PromoteAfterApproval();
    }

    private void AdvanceABTesting(RouteObservation routes)
    {
        var iterations = _analysis.EffectiveIterations;
        if (_status.Iterations < iterations)
        {
            if (routes.PrimaryWeight != 0 || routes.CanaryWeight != WeightSchedule.TotalWeight)
            {
                _actions.Add(new SetRoutes(0, WeightSchedule.TotalWeight));
            }

            AdvanceIteration(iterations);
            return;
        }

        PromoteAfterApproval();
    }

    private void AdvanceBlueGreen(RouteObservation routes)
    {
        var iterations = _analysis.EffectiveIterations;
        if (_status.Iterations < iterations)
        {
            if (_analysis.Mirror && !routes.Mirrored)
            {
                _actions.Add(new SetRoutes(WeightSchedule.TotalWeight, 0, Mirrored: true));
            }

            AdvanceIteration(iterations);
            return;
        }

        if (_status.Iterations == iterations)
        {
            // The last iteration: confirm, then give the canary all live traffic for one more analysis.
            var gate = RunStage(CheckStageKind.ConfirmPromotion, CanaryPhase.Progressing);
            if (!WaitForPromotionApproval(gate))
            {
                return;
            }

            Event(EventSeverity.Info, _analysis.Mirror
                ? "Stop traffic mirroring and route all traffic to canary"
                : "Routing all traffic to canary");
            _actions.Add(new SetRoutes(0, WeightSchedule.TotalWeight));
            Update(s => s with { Iterations = s.Iterations + 1 });
            return;
        }

        PromoteAfterApproval();
    }

    private void AdvanceIteration(int iterations)
    {
        var next = _status.Iterations + 1;
        Update(s => s with { Iterations = next });
        Event(EventSeverity.Info, $"Advance {Who} canary iteration {next}/{iterations}");
    }

    private void PromoteAfterApproval()
    {
        var gate = RunStage(CheckStageKind.ConfirmPromotion, CanaryPhase.Progressing);
        if (!WaitForPromotionApproval(gate))
        {
            return;
        }

        Event(EventSeverity.Info, $"Copying {TargetWho} template spec to {PrimaryWho}");
        _actions.Add(new PromotePrimary());
        PreScalePrimary(holdMinimum: true);
        SetPhase(CanaryPhase.Promoting);
    }

    /// <summary>
    /// Our departure (Flagger #1600): with an autoscaler the primary keeps its own replicas at promotion (spec §3.3),
    /// sized for the share of traffic it kept. Before traffic moves back to it, it is scaled to the replicas both
    /// Deployments run now (the load they serve together), at most its autoscaler's maximum; only when the canary
    /// carries live traffic. At promotion the primary autoscaler's minimum is held there, since the route waits
    /// for the primary to be ready; a rollback moves the route in the same tick, without waiting.
    /// </summary>
    private void PreScalePrimary(bool holdMinimum)
    {
        if (Workload.Scaling is not { TargetReplicas: > 0 } scaling || _observation.Routes.CanaryWeight == 0)
        {
            return;
        }

        var replicas = scaling.TargetReplicas + scaling.PrimaryReplicas;
        if (scaling.PrimaryMaxReplicas is { } max)
        {
            replicas = Math.Min(replicas, max);
        }

        if (!holdMinimum && replicas <= scaling.PrimaryReplicas)
        {
            return;
        }

        _actions.Add(new ScalePrimaryUp(replicas, holdMinimum));
        Event(EventSeverity.Info,
            $"Scaling {PrimaryWho} to {replicas} replicas ({scaling.PrimaryReplicas} primary + {scaling.TargetReplicas} canary) before traffic moves back to it");
    }

    /// <summary>The end of a promotion or a rollback gives the primary autoscaler back its own minimum.</summary>
    private void ReleasePrimaryScaler()
    {
        if (Workload.Scaling is { PrimaryMinimumHeld: true })
        {
            _actions.Add(new ReleasePrimaryScaler());
        }
    }

    /// <summary>True when confirm-promotion is open; otherwise the canary waits in WaitingPromotion.</summary>
    private bool WaitForPromotionApproval(StageResult gate)
    {
        if (gate.Passed)
        {
            PassedEvents(gate, "Confirm-promotion");
            GateOpened();
            return true;
        }

        if (GateTimedOut(WebhookType.ConfirmPromotion, gate))
        {
            return false;
        }

        if (Phase != CanaryPhase.WaitingPromotion)
        {
            Event(EventSeverity.Warning, $"Halt {Who} advancement waiting for promotion approval {gate.FirstFailure?.Name}");
            AlertUnlessMuted(gate, AlertSeverity.Warn, "Canary promotion is waiting for approval.");
            SetPhase(CanaryPhase.WaitingPromotion);
        }
        else
        {
            Update(s => s with { Iterations = Math.Max(0, _analysis.EffectiveIterations - 1) });
        }

        return false;
    }

    /// <summary>Step 23: traffic back to the (now promoted) primary, in one go or by stepWeightPromotion.</summary>
    private void ShiftTrafficToPrimary(RouteObservation routes)
    {
        var step = _analysis.StepWeightPromotion ?? 0;

        // Flagger never ends Promoting when the step is set and the canary weight is already 0; we finish.
        if (step > 0 && routes.CanaryWeight > 0)
        {
            var (primary, canary) = WeightSchedule.Promote(routes.PrimaryWeight, routes.CanaryWeight, step);
            _actions.Add(new SetRoutes(primary, canary));
            Event(EventSeverity.Info, $"Advance {Who} primary weight {primary}");
            if (primary >= WeightSchedule.TotalWeight)
            {
                SetPhase(CanaryPhase.Finalising);
            }
            else
            {
                Update(s => s with { CanaryWeight = canary });
            }

            return;
        }

        _actions.Add(new SetRoutes(WeightSchedule.TotalWeight, 0));
        Event(EventSeverity.Info, "Routing all traffic to primary");
        SetPhase(CanaryPhase.Finalising);
    }

    /// <summary>Step 24.</summary>
    private void FinishPromotion()
    {
        _actions.Add(new ScaleTargetToZero());
        ReleasePrimaryScaler();
        SetPhase(CanaryPhase.Succeeded);
        _actions.Add(new RunPostRolloutHooks(CanaryPhase.Succeeded));
        Event(EventSeverity.Info, $"Promotion completed! Scaling down {TargetWho}");
        Alert(AlertSeverity.Info, "Canary analysis completed successfully, promotion finished.");
    }

    /// <summary>Step 21 (spec §2.12). Flagger runs no post-rollout hooks here (its TestWebhooks trace), nor do we.</summary>
    private void PromoteWithoutAnalysis()
    {
        _actions.Add(new SetRoutes(WeightSchedule.TotalWeight, 0));
        Event(EventSeverity.Info, $"Copying {TargetWho} template spec to {PrimaryWho}");
        _actions.Add(new PromotePrimary());
        _actions.Add(new ScaleTargetToZero());
        SetPhase(CanaryPhase.Succeeded);
        Event(EventSeverity.Info, $"Promotion completed! Canary analysis was skipped for {TargetWho}");
        Alert(AlertSeverity.Info, "Canary analysis was skipped, promotion finished.");
    }

    private enum RollbackCause
    {
        Threshold,
        ProgressDeadline,
        Manual,
        Aborted,

        /// <summary>A confirm gate closed for longer than the gate timeout: <see cref="GateTimedOut"/> says so itself.</summary>
        GateTimeout,
    }

    /// <summary>
    /// Spec §2.11. Unlike Flagger, every cause alerts at error severity, and a rollback before the route
    /// exists (initialization) still completes instead of retrying forever.
    /// </summary>
    private void RollBack(RollbackCause cause, string? detail)
    {
        switch (cause)
        {
            case RollbackCause.Threshold:
                Event(EventSeverity.Warning, $"Rolling back {Who} failed checks threshold reached {_status.FailedChecks}");
                Alert(AlertSeverity.Error, $"Failed checks threshold reached {_status.FailedChecks}");
                break;
            case RollbackCause.ProgressDeadline:
                Event(EventSeverity.Warning, $"Rolling back {Who} progress deadline exceeded {detail}");
                Alert(AlertSeverity.Error, $"Progress deadline exceeded {detail}");
                break;
            case RollbackCause.Manual:
                Alert(AlertSeverity.Error, "Rolling back manual webhook invoked");
                break;
            case RollbackCause.Aborted:
                Alert(AlertSeverity.Error, $"Rolling back: aborted by {detail}");
                break;
            case RollbackCause.GateTimeout:
                break;
        }

        PreScalePrimary(holdMinimum: false);
        if (_observation.Routes.IsSynced)
        {
            _actions.Add(new SetRoutes(WeightSchedule.TotalWeight, 0));
        }

        ReleasePrimaryScaler();
        Event(EventSeverity.Warning, $"Canary failed! Scaling down {TargetWho}");
        _actions.Add(new ScaleTargetToZero());
        SyncStatus(CanaryPhase.Failed);
        _actions.Add(new RunPostRolloutHooks(CanaryPhase.Failed));
    }

    /// <summary>The promoted primary broke: all traffic goes back to the canary, which keeps running.</summary>
    private void FailPromotion(string? detail)
    {
        Event(EventSeverity.Warning, $"Promotion of {Who} failed, primary not ready: {detail}");
        Alert(AlertSeverity.Error, $"Promotion failed, primary not ready: {detail}");
        _actions.Add(new SetRoutes(0, WeightSchedule.TotalWeight));
        ReleasePrimaryScaler();
        SyncStatus(CanaryPhase.Failed, canaryWeight: WeightSchedule.TotalWeight);
        _actions.Add(new RunPostRolloutHooks(CanaryPhase.Failed));
    }

    /// <summary>
    /// Ours (<see cref="GateTimeout"/>): <paramref name="gate"/> of <paramref name="type"/> is closed. True when it has
    /// now been closed longer than the gate timeout, after rolling back (in Waiting: scaling the target down) with an
    /// event and an error alert; otherwise the tick goes on waiting, with the wait in the status when a timeout is set.
    /// </summary>
    private bool GateTimedOut(string type, StageResult gate)
    {
        var now = _observation.Now;
        var timeout = GateTimeout.For(_observation);
        var wait = timeout?.Wait(_status.GateWait, type, Workload.TargetRevision, now);
        if (timeout is null || wait is null || timeout.Exceeded(wait, now) is not { } closedFor)
        {
            if (wait != _status.GateWait)
            {
                Update(s => s with { GateWait = wait });
            }

            return false;
        }

        var hook = gate.FirstFailure?.Name;
        Event(EventSeverity.Warning, timeout.Message(wait, hook, closedFor, Who));
        Alert(AlertSeverity.Error, timeout.Message(wait, hook, closedFor, who: null));
        RollBack(RollbackCause.GateTimeout, null);
        return true;
    }

    /// <summary>An open gate ends its wait: the next closed one is timed afresh.</summary>
    private void GateOpened()
    {
        if (_status.GateWait is not null)
        {
            Update(s => s with { GateWait = null });
        }
    }

    private StageResult RunStage(CheckStageKind kind, CanaryPhase? payloadPhase)
    {
        var (webhooks, metrics) = kind switch
        {
            CheckStageKind.ProviderAvailability => (Array.Empty<CanaryWebhook>(), Metrics()),
            CheckStageKind.Rollback => (Hooks(WebhookType.Rollback), []),
            CheckStageKind.ConfirmRollout => (Hooks(WebhookType.ConfirmRollout), []),
            CheckStageKind.PreRollout => (Hooks(WebhookType.PreRollout), []),
            CheckStageKind.Analysis => (Hooks(WebhookType.Rollout), Metrics()),
            CheckStageKind.ConfirmTrafficIncrease => (Hooks(WebhookType.ConfirmTrafficIncrease), []),
            CheckStageKind.ConfirmPromotion => (Hooks(WebhookType.ConfirmPromotion), []),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

        if (webhooks.Length == 0 && metrics.Length == 0)
        {
            return new StageResult(kind, true, []);
        }

        var result = _checks.Run(new CheckStage(kind, payloadPhase, webhooks, metrics));
        _stages.Add(result);
        return result;

        CanaryWebhook[] Hooks(string type) => [.. _analysis.WebhooksOfType(type)];

        // Builtin and inline-query metrics run before template metrics (spec §5.2).
        CanaryMetric[] Metrics() =>
        [
            .. (_analysis.Metrics ?? []).Where(m => m.IsBuiltin || m.TemplateRef is null),
            .. (_analysis.Metrics ?? []).Where(m => !m.IsBuiltin && m.TemplateRef is not null),
        ];
    }

    private void PassedEvents(StageResult stage, string label)
    {
        foreach (var passed in stage.Results.Where(r => r.Passed))
        {
            Event(EventSeverity.Info, $"{label} check {passed.Name} passed");
        }
    }

    private void NotReadyEvent(string who, Readiness readiness) =>
        Event(EventSeverity.Warning, $"{who} not ready: {readiness.Message}");

    private void Event(EventSeverity severity, string message) => _actions.Add(new RecordEvent(severity, message, Phase));

    private void Alert(AlertSeverity severity, string message, bool withFields = false) =>
        _actions.Add(new SendAlert(severity, message, withFields ? AlertFields() : new Dictionary<string, string>(), Phase));

    private void AlertUnlessMuted(StageResult gate, AlertSeverity severity, string message)
    {
        var hook = gate.FirstFailure?.Name;
        if (_analysis.Webhooks?.FirstOrDefault(w => w.Name == hook) is not { MuteAlert: true })
        {
            Alert(severity, message);
        }
    }

    private Dictionary<string, string> AlertFields()
    {
        var routing = _analysis.Strategy switch
        {
            DeploymentStrategy.ABTesting => "A/B Testing",
            DeploymentStrategy.BlueGreen => "Blue/Green",
            _ when _analysis.StepWeights is { Count: > 0 } ladder =>
                $"Weight steps: {string.Join(',', ladder)} max: {WeightSchedule.MaxWeight(_analysis)}",
            _ => $"Weight step: {_analysis.StepWeight ?? 0} max: {WeightSchedule.MaxWeight(_analysis)}",
        };

        return new Dictionary<string, string>
        {
            ["Target"] = $"{Kind}/{TargetWho}",
            ["Failed checks threshold"] = _analysis.EffectiveThreshold.ToString(CultureInfo.InvariantCulture),
            ["Progress deadline"] = $"{(int)_canary.Spec.ProgressDeadline.TotalSeconds}s",
            ["Traffic routing"] = routing,
        };
    }

    /// <summary>Flagger's SyncStatus: a new phase with zeroed counters, recording the revision it applies to.</summary>
    private void SyncStatus(CanaryPhase phase, int canaryWeight = 0)
    {
        var revision = Workload.TargetRevision;
        Update(s => s with
        {
            Phase = phase,
            CanaryWeight = canaryWeight,
            FailedChecks = 0,
            Iterations = 0,
            LastAppliedSpec = revision,
            LastPromotedSpec = phase == CanaryPhase.Initialized ? revision : s.LastPromotedSpec,
            TrackedConfigs = Workload.TrackedConfigs,
            PendingRevision = null,
            GateWait = null,
        });
    }

    /// <summary>Flagger's SetStatusPhase: leaving the active phases clears weight and iterations.</summary>
    private void SetPhase(CanaryPhase phase)
    {
        Update(s =>
        {
            var next = s with { Phase = phase, GateWait = GateTimeout.Lasts(phase) ? s.GateWait : null };
            if (!CanaryPhases.KeepsWeight(phase))
            {
                next = next with
                {
                    CanaryWeight = 0,
                    Iterations = phase == CanaryPhase.WaitingPromotion ? Math.Max(0, _analysis.EffectiveIterations - 1) : 0,
                };
            }

            if (phase is CanaryPhase.Initialized or CanaryPhase.Succeeded)
            {
                next = next with { LastPromotedSpec = next.LastAppliedSpec };
            }

            return next;
        });
    }

    private void Update(Func<CanaryStatus, CanaryStatus> change)
    {
        var next = change(_status);
        if (!CanaryPhases.CanMove(_status.Phase, next.Phase))
        {
            throw new InvalidOperationException($"{Who}: the phase table has no move from {_status.Phase?.ToString() ?? "no phase"} to {next.Phase}");
        }

        var now = _observation.Now;
        var promoted = next.Phase is { } phase ? PromotedCondition.For(phase, Kind, _status.Promoted, now) : null;
        _status = next with
        {
            LastTransitionTime = now,
            Conditions = promoted is null ? next.Conditions : CanaryConditions.Merge(next.Conditions, promoted),
        };
        _statusChanged = true;
    }
}
