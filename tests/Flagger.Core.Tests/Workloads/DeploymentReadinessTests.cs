using Flagger.Core.Workloads;
using k8s;
using k8s.Models;
using Xunit;

namespace Flagger.Core.Tests.Workloads;

public class DeploymentReadinessTests
{
    private static readonly DateTimeOffset s_now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(600);

    private const string Waiting = "waiting";
    private const string Failed = "failed";
    private const string Ready = "ready";

    [Theory]
    [InlineData(3, 2, Waiting, "observed deployment generation less than desired generation")]
    [InlineData(1, 0, Waiting, "observed deployment generation less than desired generation")]
    [InlineData(2, 2, Ready, null)]
    [InlineData(2, 3, Ready, null)]
    public void Evaluate_ObservedGeneration_WaitsUntilControllerCatchesUp(
        long generation, long observedGeneration, string expected, string? message)
    {
        var deployment = Deployment(2, 2, 2, 2, generation, observedGeneration);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, expected, message);
    }

    [Theory]
    // rule 4: not all replicas updated
    [InlineData(3, 1, 1, 1, Waiting, "1 out of 3 new replicas have been updated")]
    [InlineData(2, 0, 2, 2, Waiting, "0 out of 2 new replicas have been updated")]
    // rule 5: old replicas still around
    [InlineData(2, 2, 3, 2, Waiting, "1 old replicas are pending termination")]
    [InlineData(2, 2, 5, 2, Waiting, "3 old replicas are pending termination")]
    // rule 6: too few available
    [InlineData(4, 4, 4, 3, Waiting, "3 of 4 (readyThreshold 100%) updated replicas are available")]
    // surge: more updated than desired is fine
    [InlineData(2, 3, 3, 3, Ready, null)]
    [InlineData(4, 4, 4, 4, Ready, null)]
    public void Evaluate_ReplicaCounts_FollowFlaggerRules(
        int specReplicas, int updated, int total, int available, string expected, string? message)
    {
        var deployment = Deployment(specReplicas, updated, total, available);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, expected, message);
    }

    [Theory]
    // floor(updated × threshold / 100): 3 × 50% = 1.5 → 1 required
    [InlineData(3, 1, 50, Ready, null)]
    [InlineData(3, 0, 50, Waiting, "0 of 1 (readyThreshold 50%) updated replicas are available")]
    // 10 × 75% = 7.5 → 7
    [InlineData(10, 7, 75, Ready, null)]
    [InlineData(10, 6, 75, Waiting, "6 of 7 (readyThreshold 75%) updated replicas are available")]
    // 1 × 99% = 0.99 → 0 required: a single pod need not be available below 100%
    [InlineData(1, 0, 99, Ready, null)]
    [InlineData(1, 0, 100, Waiting, "0 of 1 (readyThreshold 100%) updated replicas are available")]
    // exact integer floor: 100 × 53% is 53 (Flagger's float32 arithmetic yields 52 here)
    [InlineData(100, 53, 53, Ready, null)]
    [InlineData(100, 52, 53, Waiting, "52 of 53 (readyThreshold 53%) updated replicas are available")]
    [InlineData(3, 0, 0, Ready, null)]
    public void Evaluate_ReadyThreshold_RoundsRequiredReplicasDown(
        int replicas, int available, int threshold, string expected, string? message)
    {
        var deployment = Deployment(replicas, replicas, replicas, available);

        var result = DeploymentReadiness.Evaluate(deployment, threshold, s_deadline, s_now);

        AssertOutcome(result, expected, message);
    }

    [Theory]
    // stuck for longer than the deadline: later errors become non-retriable
    [InlineData(601, Failed)]
    [InlineData(3600, Failed)]
    // exactly at the deadline or within it: still retriable (lastUpdateTime + deadline < now is strict)
    [InlineData(600, Waiting)]
    [InlineData(599, Waiting)]
    [InlineData(0, Waiting)]
    public void Evaluate_MinimumReplicasUnavailable_IsFatalOnlyAfterDeadline(int secondsAgo, string expected)
    {
        var deployment = Deployment(3, 1, 1, 1);
        deployment.Status.Conditions =
        [
            Condition("Available", "False", "MinimumReplicasUnavailable", s_now.AddSeconds(-secondsAgo)),
            Condition("Progressing", "True", "ReplicaSetUpdated", s_now.AddSeconds(-secondsAgo)),
        ];

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, expected, "1 out of 3 new replicas have been updated");
    }

    [Theory]
    [InlineData("True", "MinimumReplicasUnavailable")]
    [InlineData("False", "SomethingElse")]
    public void Evaluate_AvailableConditionNotStuck_StaysRetriable(string status, string reason)
    {
        var deployment = Deployment(3, 1, 1, 1);
        deployment.Status.Conditions = [Condition("Available", status, reason, s_now.AddHours(-5))];

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "1 out of 3 new replicas have been updated");
    }

    [Fact]
    public void Evaluate_StuckButAllReplicasAvailable_IsReady()
    {
        // Step 2 only changes the retriable flag of rules 4–6; on its own it is not an error.
        var deployment = Deployment(2, 2, 2, 2);
        deployment.Status.Conditions =
            [Condition("Available", "False", "MinimumReplicasUnavailable", s_now.AddHours(-1))];

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        Assert.Same(Readiness.Ready, result);
    }

    [Fact]
    public void Evaluate_StuckWithoutTimestamp_StaysRetriable()
    {
        var deployment = Deployment(3, 1, 1, 1);
        deployment.Status.Conditions = [new V1DeploymentCondition { Type = "Available", Status = "False", Reason = "MinimumReplicasUnavailable" }];

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "1 out of 3 new replicas have been updated");
    }

    [Theory]
    [InlineData(2, 2, 2, 2)]
    [InlineData(3, 1, 1, 1)]
    public void Evaluate_ProgressDeadlineExceeded_IsNonRetriable(int spec, int updated, int total, int available)
    {
        var deployment = Deployment(spec, updated, total, available);
        deployment.Status.Conditions =
            [Condition("Progressing", "False", "ProgressDeadlineExceeded", s_now.AddMinutes(-1))];

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Failed, "deployment podinfo progress deadline exceeded");
    }

    [Fact]
    public void Evaluate_GenerationNotObservedAndDeadlineExceeded_IsRetriable()
    {
        // Rule 1 comes first: the conditions describe an older spec.
        var deployment = Deployment(2, 2, 2, 2, generation: 5, observedGeneration: 4);
        deployment.Status.Conditions =
            [Condition("Progressing", "False", "ProgressDeadlineExceeded", s_now.AddMinutes(-1))];

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "observed deployment generation less than desired generation");
    }

    [Fact]
    public void Evaluate_RulesOverlap_ReportsFirstInOrder()
    {
        // Fails rules 4 (1 < 3), 5 (4 > 1) and 6 (0 < 1) at once.
        var deployment = Deployment(3, 1, 4, 0);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "1 out of 3 new replicas have been updated");
    }

    [Fact]
    public void Evaluate_ScaledToZero_IsNotReadyButRetriable()
    {
        var deployment = Deployment(0, 0, 0, 0);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "deployment podinfo is scaled to zero");
    }

    [Fact]
    public void Evaluate_ScaledToZeroAllowed_IsReady()
    {
        var deployment = Deployment(0, 0, 0, 0);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now, allowScaledToZero: true);

        Assert.Same(Readiness.Ready, result);
    }

    [Fact]
    public void Evaluate_ScaledToZeroAllowedWithPodsTerminating_Waits()
    {
        var deployment = Deployment(0, 0, 2, 0);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now, allowScaledToZero: true);

        AssertOutcome(result, Waiting, "2 old replicas are pending termination");
    }

    [Fact]
    public void Evaluate_NullReplicasAndEmptyStatus_DefaultsToOneDesiredAndZeroObserved()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", Generation = 1 },
            Spec = new V1DeploymentSpec(),
            Status = new V1DeploymentStatus { ObservedGeneration = 1 },
        };

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "0 out of 1 new replicas have been updated");
    }

    [Fact]
    public void Evaluate_NoStatusAtAll_WaitsForGeneration()
    {
        var deployment = new V1Deployment { Metadata = new V1ObjectMeta { Name = "podinfo", Generation = 1 } };

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, Waiting, "observed deployment generation less than desired generation");
    }

    [Theory]
    [InlineData("2025-06-01T11:40:00Z", Failed)]
    [InlineData("2025-06-01T11:55:00Z", Waiting)]
    public void Evaluate_DeploymentReadFromJson_UsesUtcTimestamps(string lastUpdateTime, string expected)
    {
        var json = $$"""
            {
              "apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": { "name": "podinfo", "generation": 4 },
              "spec": { "replicas": 2 },
              "status": {
                "observedGeneration": 4, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 0,
                "conditions": [
                  { "type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                    "lastUpdateTime": "{{lastUpdateTime}}", "lastTransitionTime": "{{lastUpdateTime}}" }
                ]
              }
            }
            """;
        var deployment = KubernetesJson.Deserialize<V1Deployment>(json);

        var result = DeploymentReadiness.Evaluate(deployment, 100, s_deadline, s_now);

        AssertOutcome(result, expected, "1 out of 2 new replicas have been updated");
    }

    private static void AssertOutcome(Readiness result, string expected, string? message)
    {
        switch (expected)
        {
            case Ready:
                Assert.Equal(Readiness.Ready, result);
                return;
            case Waiting:
                Assert.False(result.IsReady);
                Assert.True(result.IsRetriable, result.Message);
                break;
            case Failed:
                Assert.False(result.IsReady);
                Assert.False(result.IsRetriable, result.Message);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(expected), expected, null);
        }

        Assert.NotNull(message);
        Assert.Contains(message, result.Message);
    }

    private static V1Deployment Deployment(
        int specReplicas, int updated, int total, int available, long generation = 1, long observedGeneration = 1) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test", Generation = generation },
            Spec = new V1DeploymentSpec { Replicas = specReplicas },
            Status = new V1DeploymentStatus
            {
                ObservedGeneration = observedGeneration,
                Replicas = total,
                UpdatedReplicas = updated,
                AvailableReplicas = available,
                ReadyReplicas = available,
            },
        };

    private static V1DeploymentCondition Condition(string type, string status, string reason, DateTimeOffset at) =>
        new()
        {
            Type = type,
            Status = status,
            Reason = reason,
            LastTransitionTime = at.UtcDateTime,
            LastUpdateTime = at.UtcDateTime,
        };
}
