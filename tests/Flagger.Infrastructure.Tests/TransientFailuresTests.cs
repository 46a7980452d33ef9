using System.Net;
using System.Net.Sockets;
using Azure;
using Flagger.Infrastructure.Tests.Registry;

namespace Flagger.Infrastructure.Tests;

/// <summary>The one rule the registry webhook (503 for a redelivery) and the state stores (unavailable) share.</summary>
public sealed class TransientFailuresTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        { new HttpRequestException("Connection refused", new SocketException(111)), true },
        { new HttpRequestException("Bad gateway", null, HttpStatusCode.BadGateway), true },
        { new HttpRequestException("Forbidden", null, HttpStatusCode.Forbidden), false },
        { new TaskCanceledException("HttpClient.Timeout", new TimeoutException()), true },
        { new TimeoutException(), true },
        { new IOException("reset"), true },
        { RegistryWebhookTests.KubernetesError(HttpStatusCode.ServiceUnavailable), true },
        { RegistryWebhookTests.KubernetesError(HttpStatusCode.GatewayTimeout), true },
        { RegistryWebhookTests.KubernetesError(HttpStatusCode.TooManyRequests), true },
        { RegistryWebhookTests.KubernetesError(HttpStatusCode.RequestTimeout), true },
        { RegistryWebhookTests.KubernetesError(HttpStatusCode.Forbidden), false },
        { RegistryWebhookTests.KubernetesError(HttpStatusCode.UnprocessableEntity), false },
        { new RequestFailedException(0, "No such host"), true },
        { new RequestFailedException(503, "Server busy"), true },
        { new RequestFailedException(429, "Throttled"), true },
        { new RequestFailedException(412, "Precondition failed"), false },
        { new RequestFailedException(403, "Forbidden"), false },
        { new InvalidOperationException("a bug"), false },
        { new AggregateException(new HttpRequestException("refused")), true },
        { new AggregateException(new IOException("reset"), new TimeoutException()), true },
        { new AggregateException(new IOException("reset"), new InvalidOperationException("a bug")), false },
        { new AggregateException(), false },
        { new RequestFailedException(500, "Internal error"), true },
        { new RequestFailedException(408, "Request timeout"), true },
        { new RequestFailedException(404, "Not found"), false },
        { new RequestFailedException(400, "Bad request", new IOException("reset while reading the answer")), true },
        { new RequestFailedException(400, "Bad request", new InvalidOperationException("a bug")), false },
        { new InvalidOperationException("wrapped", new SocketException(111)), true },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsTransient_Failure_TellsWhetherRedeliveryCanHelp(Exception failure, bool transient)
    {
        Assert.Equal(transient, TransientFailures.IsTransient(failure, CancellationToken.None));
    }

    [Fact]
    public void IsTransient_CancellationAskedForByTheCaller_IsNotTransient()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.False(TransientFailures.IsTransient(new OperationCanceledException(source.Token), source.Token));
    }
}
