using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>The threshold rules of spec §5.2.</summary>
public sealed class MetricEvaluationTests
{
    private static readonly Canary s_canary = new CanaryBuilder().WithName("podinfo").Build();

    [Theory]
    [InlineData(CanaryMetric.RequestSuccessRate, 99.0, null, null, 99.0, true)]
    [InlineData(CanaryMetric.RequestSuccessRate, 99.0, null, null, 98.9, false)]
    [InlineData(CanaryMetric.RequestSuccessRate, null, null, 99.0, 98.0, false)]
    [InlineData(CanaryMetric.RequestSuccessRate, null, null, 99.0, 99.5, true)]
    [InlineData(CanaryMetric.RequestDuration, null, 500.0, null, 500.0, true)]
    [InlineData(CanaryMetric.RequestDuration, null, 500.0, null, 501.0, false)]
    [InlineData(CanaryMetric.RequestDuration, null, null, 500.0, 600.0, false)]
    [InlineData("error-rate", null, 1.0, null, 0.5, true)]
    [InlineData("error-rate", null, null, 1.0, 1.5, false)]
    [InlineData("error-rate", 1.0, 5.0, null, 0.5, false)]
    [InlineData("error-rate", null, 1.0, null, double.PositiveInfinity, false)]
    public void Evaluate_RangeAndDeprecatedThreshold_FollowFlaggersRules(string name, double? min, double? max, double? threshold, double value, bool passes)
    {
        var metric = new CanaryMetric
        {
            Name = name,
            Threshold = threshold,
            ThresholdRange = min is null && max is null ? null : new ThresholdRange { Min = min, Max = max },
            Query = name.StartsWith("request-", StringComparison.Ordinal) ? null : "sum(x)",
        };

        var result = MetricEvaluation.Evaluate(s_canary, metric, MetricMeasurement.Of(value));

        Assert.Equal(passes, result.Passed);
        Assert.Equal(value, result.Value);
    }

    [Fact]
    public void Evaluate_SlowRequests_MessageInFlaggersWords()
    {
        var metric = new CanaryMetric { Name = CanaryMetric.RequestDuration, ThresholdRange = new ThresholdRange { Max = 500 } };

        var result = MetricEvaluation.Evaluate(s_canary, metric, MetricMeasurement.Of(1500));

        Assert.Equal("Halt podinfo.test advancement request duration 1.5s > 500ms", result.Message);
    }
}
