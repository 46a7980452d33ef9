using Flagger.Infrastructure.State;
using Flagger.Infrastructure.Webhooks.Gates;
using Grpc.Core;

namespace Flagger.Rollouts.Api;

/// <summary>
/// Turns an outage of a backend the API depends on (Table Storage, the Durable Task client) into
/// <c>503 Service Unavailable</c> with <c>Retry-After</c> and a JSON error, instead of a 500: the caller did
/// nothing wrong and should simply ask again. Both hosts run every API and gate handler through it.
/// </summary>
public static class ApiOutage
{
    /// <summary>What <c>Retry-After</c> tells the caller: longer than Table Storage's own retries, short enough for an operator.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    public static async Task<ApiResult> RunAsync(Func<Task<ApiResult>> handler, CancellationToken cancellationToken)
    {
        try
        {
            return await handler();
        }
        catch (Exception exception) when (Unavailable(exception, cancellationToken) is { } backend)
        {
            return Answer(backend);
        }
    }

    /// <summary>The gate endpoints answer plain text; an outage is the same JSON 503 as the rest of the API.</summary>
    public static async Task<HttpAnswer> RunGateAsync(Func<Task<GateResponse>> handler, CancellationToken cancellationToken)
    {
        try
        {
            return HttpAnswer.From(await handler());
        }
        catch (Exception exception) when (Unavailable(exception, cancellationToken) is { } backend)
        {
            return HttpAnswer.From(Answer(backend));
        }
    }

    /// <summary>Which backend <paramref name="exception"/> says is unavailable, or null when it says something else (then it stays a 500).</summary>
    public static string? Unavailable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        StateStoreUnavailableException => "the state store (Table Storage)",
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted } => "the durable task backend",
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        AggregateException { InnerExceptions.Count: > 0 } aggregate =>
            aggregate.InnerExceptions.Select(inner => Unavailable(inner, cancellationToken)).FirstOrDefault(backend => backend is not null),
        { InnerException: { } inner } => Unavailable(inner, cancellationToken),
        _ => null,
    };

    private static ApiResult Answer(string backend) =>
        ApiResult.Unavailable($"{backend} is unavailable; nothing was changed, retry in {RetryAfter.TotalSeconds:0} s", RetryAfter);
}
