using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace Flagger.Cli.Api;

/// <summary>The API answered with an error: its status, the API's own message when the body has one, and <c>Retry-After</c>.</summary>
public sealed class ApiRequestException(HttpStatusCode status, string message, TimeSpan? retryAfter) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>No answer at all: the address does not resolve, refuses the connection, or did not answer in time.</summary>
public sealed class ApiUnreachableException(string message, Exception? inner) : Exception(message, inner);

/// <summary>
/// The operator API of a Function App (<c>https://APP.azurewebsites.net</c>) or a Flagger.Host: the same routes
/// under <c>/api</c>, the key in <c>x-functions-key</c> on every request.
/// </summary>
public sealed class FlaggerApiClient : IDisposable
{
    public const string KeyHeader = "x-functions-key";

    /// <summary>The API records who asked for an operation from this header when no identity provider names the caller.</summary>
    public const string UserHeader = "X-Flagger-User";

    private readonly HttpClient _http;

    public FlaggerApiClient(Uri baseAddress, string? key, string? user, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = BaseAddress;
        _http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("flaggerctl", typeof(FlaggerApiClient).Assembly.GetName().Version?.ToString(3)));
        if (!string.IsNullOrEmpty(key))
        {
            _http.DefaultRequestHeaders.Add(KeyHeader, key);
        }

        if (!string.IsNullOrEmpty(user))
        {
            _http.DefaultRequestHeaders.Add(UserHeader, user);
        }
    }

    public Uri BaseAddress { get; }

    public async Task<IReadOnlyList<CanarySummary>> ListAsync(CancellationToken cancellationToken) =>
        Read<List<CanarySummary>>(await SendAsync(HttpMethod.Get, "api/canaries", cancellationToken));

    public async Task<CanaryDetail> GetAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Read<CanaryDetail>(await GetRawAsync(@namespace, name, cancellationToken));

    /// <summary>The canary's JSON as the API sent it (for <c>-o json</c>).</summary>
    public Task<string> GetRawAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/canaries/{Segment(@namespace)}/{Segment(name)}", cancellationToken);

    public Task<string> ListRawAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "api/canaries", cancellationToken);

    /// <summary>One page of ticks, newest first; pass the page's continuation token for the next.</summary>
    public async Task<HistoryPage> HistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var path = $"api/canaries/{Segment(@namespace)}/{Segment(name)}/history?pageSize={pageSize}";
        if (continuationToken is not null)
        {
            path += "&continuationToken=" + Uri.EscapeDataString(continuationToken);
        }

        return Read<HistoryPage>(await SendAsync(HttpMethod.Get, path, cancellationToken));
    }

    public async Task<AcceptedOperation> OperateAsync(string @namespace, string name, string operation, string? gate, CancellationToken cancellationToken)
    {
        var path = $"api/canaries/{Segment(@namespace)}/{Segment(name)}/{Segment(operation)}";
        if (gate is not null)
        {
            path += "?gate=" + Uri.EscapeDataString(gate);
        }

        return Read<AcceptedOperation>(await SendAsync(HttpMethod.Post, path, cancellationToken));
    }

    public void Dispose() => _http.Dispose();

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web) ?? throw new JsonException($"the API answered null for a {typeof(T).Name}");

    private async Task<string> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new ApiUnreachableException($"cannot reach {BaseAddress}: {Describe(exception)}", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiUnreachableException($"{BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s", exception);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }

            throw new ApiRequestException(response.StatusCode, ErrorMessage(response, body, request.RequestUri!), RetryAfter(response));
        }
    }

    private static string Describe(HttpRequestException exception) =>
        exception.InnerException is SocketException socket ? $"{socket.SocketErrorCode} ({socket.Message})" : exception.Message;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>The API's <c>{"error": ...}</c> when there is one; otherwise what the status means here.</summary>
    private string ErrorMessage(HttpResponseMessage response, string body, Uri requestUri)
    {
        string? apiMessage = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            try
            {
                apiMessage = JsonSerializer.Deserialize<ApiErrorBody>(body, JsonSerializerOptions.Web)?.Error;
            }
            catch (JsonException)
            {
            }
        }

        return (response.StatusCode, apiMessage) switch
        {
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) =>
                $"{(int)response.StatusCode} {response.ReasonPhrase}: {BaseAddress} refused the key (set --key or FLAGGER_KEY to the Function App's key or the host's Host__ApiKey)",
            (_, { } message) => $"{(int)response.StatusCode} {response.ReasonPhrase}: {message}",
            (HttpStatusCode.NotFound, null) => $"404 Not Found: {new Uri(BaseAddress, requestUri)} (is --url the Function App or Flagger.Host, without /api?)",
            _ => $"{(int)response.StatusCode} {response.ReasonPhrase}" + (string.IsNullOrWhiteSpace(body) ? "" : ": " + Shorten(body)),
        };
    }

    private static string Shorten(string body)
    {
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "...";
    }
}
