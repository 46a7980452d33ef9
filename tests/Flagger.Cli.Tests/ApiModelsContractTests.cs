using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Wire = Flagger.Cli.Api;
using ServerApi = Flagger.Rollouts.Api;

namespace Flagger.Cli.Tests;

/// <summary>
/// flaggerctl reads the API's JSON with records of its own: the server's records, serialized as both hosts
/// serialize them (<see cref="ServerApi.HttpAnswer"/>), must come back field for field.
/// </summary>
public sealed class ApiModelsContractTests
{
    private static readonly DateTimeOffset s_at = new(2026, 12, 3, 13, 8, 18, TimeSpan.Zero);

    private static T RoundTrip<T>(object server) =>
        JsonSerializer.Deserialize<T>(ServerApi.HttpAnswer.From(new ServerApi.ApiResult(200, server)).Body!, JsonSerializerOptions.Web)!;

    private static readonly CheckResult s_check = new(CheckKind.Metric, "request-success-rate", CheckVerdict.Failed, "Halt", 61.5, new ThresholdRange { Min = 99 }, "sum(rate(...))");

    [Fact]
    public void CanaryDetail_ReadsEveryField()
    {
        var server = new ServerApi.CanaryDetail("test", "podinfo", "Progressing", 25, 75, 1, 2, true, "abc", "def",
            [new CanaryCondition { Type = "Promoted", Status = "Unknown", Reason = "Progressing", Message = "New revision detected", LastTransitionTime = s_at }],
            [s_check], "Halt podinfo.test advancement", s_at, new ServerApi.AnalysisSummary("canary", [25, 50], 50, 0, 2, "10s"));

        var cli = RoundTrip<Wire.CanaryDetail>(server);

        Assert.Equal(
            new object?[] { "test", "podinfo", "Progressing", 25, 75, 1, 2, true, "abc", "def", "Halt podinfo.test advancement", s_at },
            new object?[] { cli.Namespace, cli.Name, cli.Phase, cli.CanaryWeight, cli.PrimaryWeight, cli.FailedChecks, cli.Iterations, cli.Paused, cli.LastAppliedSpec, cli.LastPromotedSpec, cli.LastMessage, cli.UpdatedAt });
        Assert.Equal(new Wire.CanaryCondition("Promoted", "Unknown", "Progressing", "New revision detected", s_at), Assert.Single(cli.Conditions!));
        AssertCheck(Assert.Single(cli.LastChecks!));
        Assert.Equal(("canary", 50, 0, 2, "10s"), (cli.Analysis!.Strategy, cli.Analysis.MaxWeight, cli.Analysis.Iterations, cli.Analysis.Threshold, cli.Analysis.Interval));
        Assert.Equal([25, 50], cli.Analysis.Weights!);
    }

    [Fact]
    public void CanarySummary_ReadsEveryField() =>
        Assert.Equal(
            new Wire.CanarySummary("test", "podinfo", "Succeeded", 0, 100, 0, 14, s_at),
            RoundTrip<List<Wire.CanarySummary>>(new[] { new ServerApi.CanarySummary("test", "podinfo", "Succeeded", 0, 100, 0, 14, s_at) }).Single());

    [Fact]
    public void HistoryPage_ReadsEveryField()
    {
        var server = new HistoryPage(
            [new HistoryEntry("test", "podinfo", 7, s_at, CanaryPhase.Progressing, 75, 25, 1, "Halt", [s_check], [new CanaryOperation(CanaryOperationKind.Approve, "alice", s_at, "confirm-promotion")])],
            "token-1");

        var cli = RoundTrip<Wire.HistoryPage>(server);

        Assert.Equal("token-1", cli.ContinuationToken);
        var entry = Assert.Single(cli.Entries);
        Assert.Equal(("test", "podinfo", 7L, s_at, "Progressing", 75, 25, 1, "Halt"),
            (entry.Namespace, entry.Name, entry.Sequence, entry.At, entry.Phase, entry.PrimaryWeight, entry.CanaryWeight, entry.FailedChecks, entry.Message));
        AssertCheck(Assert.Single(entry.Checks!));
        Assert.Equal(new Wire.CanaryOperation("Approve", "alice", s_at, "confirm-promotion"), Assert.Single(entry.Operations!));
    }

    [Fact]
    public void AcceptedOperation_AndError_ReadEveryField()
    {
        Assert.Equal(
            new Wire.AcceptedOperation(3, "Abort", "alice", s_at, null),
            RoundTrip<Wire.AcceptedOperation>(new ServerApi.AcceptedOperation(3, CanaryOperationKind.Abort, "alice", s_at, null)));
        Assert.Equal("no", RoundTrip<Wire.ApiErrorBody>(new ServerApi.ApiError("no")).Error);
    }

    private static void AssertCheck(Wire.CheckResult check)
    {
        Assert.Equal(new Wire.CheckResult("Metric", "request-success-rate", "Failed", "Halt", 61.5, new Wire.ThresholdRange(99, null), "sum(rate(...))"), check);
        Assert.True(check.Failed);
    }
}
