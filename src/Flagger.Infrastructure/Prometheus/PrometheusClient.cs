using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>
/// Prometheus instant queries with Flagger's result rules (spec §5.5): one series is a value, several
/// series or a range vector are errors, an empty vector or NaN is "no values", <c>+Inf</c> is a number.
/// A scalar result (<c>scalar(...)</c>, <c>1 + 1</c>) is accepted as a value, where Flagger fails to
/// read it. Every failure comes back as a <see cref="PrometheusQueryResult"/>; only cancellation throws.
/// </summary>
public sealed partial class PrometheusClient(
    IHttpClientFactory httpClients,
    AzureMonitorTokenCache azureMonitorTokens,
    IOptions<PrometheusOptions> options,
    ILogger<PrometheusClient> logger)
{
    /// <summary>The resilient HttpClient for Prometheus (standard resilience handler, per-authority pipelines).</summary>
    public const string HttpClientName = "prometheus";

    /// <summary>The same with TLS verification off, for <c>insecureSkipVerify</c>.</summary>
    public const string InsecureHttpClientName = "prometheus-insecure-tls";

    internal const int MaxBodyInMessage = 512;

    public async Task<PrometheusQueryResult> QueryAsync(PrometheusEndpoint endpoint, string query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(query);
        var where = endpoint.DisplayAddress;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.QueryUri(CollapseWhitespace(query)));
            foreach (var (name, values) in endpoint.Headers)
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, values);
            }

            if (endpoint.Authorization is { } authorization)
            {
                request.Headers.Authorization = authorization;
            }
            else if (endpoint.UseAzureMonitorToken)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await azureMonitorTokens.GetTokenAsync(cancellationToken));
            }

            var client = httpClients.CreateClient(endpoint.InsecureSkipVerify ? InsecureHttpClientName : HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if ((int)response.StatusCode >= 400)
            {
                return PrometheusQueryResult.Failed(
                    $"Prometheus at {where} answered {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(body)}");
            }

            return ParseResponse(body);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (Describe(e) is { } reason)
        {
            PrometheusLogs.QueryFailed(logger, where, reason);
            return PrometheusQueryResult.Failed($"Prometheus at {where} {reason}");
        }
    }

    /// <summary>Flagger's <c>IsOnline</c>: <c>vector(1)</c> must answer exactly 1.</summary>
    public async Task<PrometheusQueryResult> IsOnlineAsync(PrometheusEndpoint endpoint, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(endpoint, "vector(1)", cancellationToken);
        return result switch
        {
            { Kind: PrometheusResultKind.Value, Value: 1 } => result,
            { Kind: PrometheusResultKind.Value } => PrometheusQueryResult.Failed(
                $"Prometheus at {endpoint.DisplayAddress} answered {result.Value.ToString(CultureInfo.InvariantCulture)} to vector(1), expected 1"),
            { Kind: PrometheusResultKind.Failed } => result,
            _ => PrometheusQueryResult.Failed($"Prometheus at {endpoint.DisplayAddress} gave no value for vector(1): {result.Error}"),
        };
    }

    /// <summary>Every run of whitespace (newlines of a multi-line template included) becomes one space.</summary>
    public static string CollapseWhitespace(string query) => Whitespace().Replace(query, " ").Trim();

    /// <summary>Reads the JSON of <c>/api/v1/query</c> by Flagger's rules.</summary>
    internal static PrometheusQueryResult ParseResponse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (!root.TryGetProperty("status", out var status) || status.GetString() != "success")
            {
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                return PrometheusQueryResult.Failed($"query failed: {error ?? Truncate(body)}");
            }

            var data = root.GetProperty("data");
            var resultType = data.GetProperty("resultType").GetString();
            var result = data.GetProperty("result");
            switch (resultType)
            {
                case "matrix":
                    return MultipleValues();
                case "scalar":
                    return ParseSample(result);
                case "vector":
                    var series = result.EnumerateArray().ToList();
                    if (series.Any(s => s.TryGetProperty("values", out _)))
                    {
                        return MultipleValues();
                    }

                    return series.Count switch
                    {
                        0 => PrometheusQueryResult.NoValues,
                        1 => ParseSample(series[0].GetProperty("value")),
                        _ => new PrometheusQueryResult(PrometheusResultKind.MultipleSeries, double.NaN,
                            $"query returned {series.Count} series ({Labels(series[0])}, {Labels(series[1])}{(series.Count > 2 ? ", ..." : "")}); " +
                            "aggregate it to one, e.g. with sum(...)"),
                    };
                default:
                    return PrometheusQueryResult.Failed($"query returned a {resultType} result; a metric needs a vector with one series or a scalar");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return PrometheusQueryResult.Failed($"unreadable answer from Prometheus: {Truncate(body)}");
        }

        static PrometheusQueryResult MultipleValues() => new(PrometheusResultKind.MultipleValues, double.NaN,
            "query returned a range vector (multiple values per series); use an instant vector");
    }

    private static PrometheusQueryResult ParseSample(JsonElement sample)
    {
        var value = sample[1];
        if (value.ValueKind != JsonValueKind.String)
        {
            return PrometheusQueryResult.NoValues;
        }

        return value.GetString() switch
        {
            "NaN" => PrometheusQueryResult.NoValues,
            "+Inf" or "Inf" => PrometheusQueryResult.Of(double.PositiveInfinity),
            "-Inf" => PrometheusQueryResult.Of(double.NegativeInfinity),
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => PrometheusQueryResult.Of(number),
            var text => PrometheusQueryResult.Failed($"Prometheus returned a value that is not a number: \"{text}\""),
        };
    }

    private static string Labels(JsonElement series) =>
        series.TryGetProperty("metric", out var metric)
            ? "{" + string.Join(", ", metric.EnumerateObject().Select(l => $"{l.Name}=\"{l.Value.GetString()}\"")) + "}"
            : "{}";

    private string? Describe(Exception e) => e switch
    {
        TimeoutRejectedException or TaskCanceledException =>
            $"did not answer within {options.Value.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s",
        BrokenCircuitException =>
            "is failing repeatedly; queries are paused for a few seconds (circuit open)",
        HttpRequestException { InnerException: AuthenticationException tls } =>
            $"failed the TLS handshake: {tls.Message} (set insecureSkipVerify only for test servers)",
        HttpRequestException http => $"is unreachable: {http.Message}",
        CredentialUnavailableException entra => $"has no Entra credential for Azure Monitor: {FirstLine(entra.Message)}",
        AuthenticationFailedException entra => $"could not get an Entra token for Azure Monitor: {FirstLine(entra.Message)}",
        _ => null,
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    internal static string Truncate(string body)
    {
        var flat = SecretText.Scrub(CollapseWhitespace(body));
        return flat.Length <= MaxBodyInMessage ? flat : flat[..MaxBodyInMessage] + "...";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
