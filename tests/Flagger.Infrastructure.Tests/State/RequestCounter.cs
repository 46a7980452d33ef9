using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Flagger.Infrastructure.Tests.State;

/// <summary>Counts the HTTP requests (storage transactions) a store sends, retries included, with their answers.</summary>
public sealed class RequestCounter : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<(string Method, string Path, int Status)> _requests = new();

    public IReadOnlyList<(string Method, string Path, int Status)> Requests => [.. _requests];

    public int Count => _requests.Count;

    public void Reset() => _requests.Clear();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Record(message);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            Record(message);
        }
    }

    public string Describe() => string.Join(", ", Requests.Select(r => $"{r.Method} {r.Path} {r.Status}"));

    private void Record(HttpMessage message) =>
        _requests.Enqueue((message.Request.Method.ToString(), message.Request.Uri.Path, message.HasResponse ? message.Response.Status : 0));
}
