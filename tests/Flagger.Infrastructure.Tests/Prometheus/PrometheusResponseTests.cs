using Flagger.Infrastructure.Prometheus;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>Flagger's result rules (spec §5.5), table by table.</summary>
public sealed class PrometheusResponseTests
{
    [Theory]
    [InlineData("""{"metric":{},"value":[1,"99.5"]}""", 99.5)]
    [InlineData("""{"metric":{"le":"x"},"value":[1,"0"]}""", 0)]
    [InlineData("""{"metric":{},"value":[1,"+Inf"]}""", double.PositiveInfinity)]
    [InlineData("""{"metric":{},"value":[1,"-Inf"]}""", double.NegativeInfinity)]
    [InlineData("""{"metric":{},"value":[1,"1e-3"]}""", 0.001)]
    public void Vector_OneSeries_IsItsValue(string series, double expected)
    {
        var result = PrometheusClient.ParseResponse(Vector(series));

        Assert.Equal(PrometheusResultKind.Value, result.Kind);
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("""{"metric":{},"value":[1,"NaN"]}""")]
    [InlineData("""{"metric":{},"value":[1,42]}""")]
    public void Vector_EmptyNaNOrNonString_IsNoValues(string series) =>
        Assert.Equal(PrometheusResultKind.NoValues, PrometheusClient.ParseResponse(Vector(series)).Kind);

    [Fact]
    public void Vector_SeveralSeries_IsAnErrorNotTheLastValue()
    {
        var result = PrometheusClient.ParseResponse(Vector(
            """{"metric":{"pod":"a"},"value":[1,"1"]},{"metric":{"pod":"b"},"value":[1,"2"]},{"metric":{"pod":"c"},"value":[1,"3"]}"""));

        Assert.Equal(PrometheusResultKind.MultipleSeries, result.Kind);
        Assert.Equal("query returned 3 series ({pod=\"a\"}, {pod=\"b\"}, ...); aggregate it to one, e.g. with sum(...)", result.Error);
    }

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]}]}}""")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"values":[[1,"1"]]}]}}""")]
    public void RangeVector_IsMultipleValues(string body) =>
        Assert.Equal(PrometheusResultKind.MultipleValues, PrometheusClient.ParseResponse(body).Kind);

    [Fact]
    public void Scalar_IsAcceptedAsAValue()
    {
        var result = PrometheusClient.ParseResponse("""{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}}""");

        Assert.Equal(PrometheusResultKind.Value, result.Kind);
        Assert.Equal(0.25, result.Value);
    }

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"string","result":[1,"hello"]}}""", "query returned a string result")]
    [InlineData("""{"status":"error","errorType":"bad_data","error":"parse error at char 5"}""", "query failed: parse error at char 5")]
    [InlineData("<html>proxy error</html>", "unreadable answer from Prometheus: <html>proxy error</html>")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}}""", "not a number")]
    public void Unusable_IsFailedWithAReason(string body, string reason)
    {
        var result = PrometheusClient.ParseResponse(body);

        Assert.Equal(PrometheusResultKind.Failed, result.Kind);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sum(\n  rate(x[1m])\n)", "sum( rate(x[1m]) )")]
    [InlineData("  a\t\tb \r\n c  ", "a b c")]
    public void CollapseWhitespace_MakesEveryRunOneSpace(string query, string expected) =>
        Assert.Equal(expected, PrometheusClient.CollapseWhitespace(query));

    [Theory]
    [InlineData(0.2485, 248)]
    [InlineData(0.0009, 0)]
    [InlineData(1.5, 1500)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity)]
    public void ToMilliseconds_TruncatesAsFlaggerDoes(double seconds, double expected) =>
        Assert.Equal(expected, BuiltinMetricQueries.ToMilliseconds(seconds));

    private static string Vector(string series) =>
        $$$"""{"status":"success","data":{"resultType":"vector","result":[{{{series}}}]}}""";
}
