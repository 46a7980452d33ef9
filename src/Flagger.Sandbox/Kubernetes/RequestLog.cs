namespace Flagger.Sandbox.Kubernetes;

/// <summary>One request the fake server answered.</summary>
/// <param name="Method">HTTP method (<c>GET</c>, <c>PATCH</c>...).</param>
/// <param name="Path">Path without the query (<c>/apis/apps/v1/namespaces/test/deployments/podinfo</c>).</param>
/// <param name="Query">Query string with its leading <c>?</c>, or empty.</param>
/// <param name="ContentType">The request's Content-Type header as sent, or null.</param>
/// <param name="StatusCode">The HTTP status code answered.</param>
/// <param name="Body">The request body as sent, or empty.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, int StatusCode, string Body)
{
    public string PathAndQuery => Path + Query;

    public bool IsRead => Method is "GET";

    public bool IsWrite => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {PathAndQuery} -> {StatusCode}";
}

/// <summary>Every request the fake server answered, in order; clear it between the steps a test counts.</summary>
public sealed class RequestLog
{
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];

    public IReadOnlyList<RecordedRequest> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    public int CountWhere(Func<RecordedRequest, bool> predicate) => All.Count(predicate);

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    internal void Add(RecordedRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
        }
    }
}
