using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// One <c>?watch=true</c> request, answered as kube-apiserver does: newline-delimited
/// <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":…}</c> events on a chunked 200 response.
/// Without a resourceVersion (or "0") the current objects come first as ADDED; otherwise the changes after
/// it, or one ERROR event with a 410 Expired Status when they are no longer kept. Selectors apply to every
/// event, so an object that stops matching is DELETED from the watch and one that starts matching is ADDED.
/// While it is open the simulated controllers keep settling, so a watcher alone sees rollouts progress.
/// </summary>
internal sealed class WatchStream
{
    /// <summary>How often an idle watch lets the simulated controllers act (they otherwise act on requests).</summary>
    private static readonly TimeSpan s_settleEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>kube-apiserver sends a bookmark about once a minute to a watch that allows them.</summary>
    private static readonly TimeSpan s_bookmarkEvery = TimeSpan.FromMinutes(1);

    private readonly ClusterStore _store;
    private readonly ApiResource _resource;
    private readonly string _version;
    private readonly string? _namespace;
    private readonly LabelSelector _labels;
    private readonly LabelSelector _fields;
    private readonly bool _table;
    private readonly string? _includeObject;
    private readonly bool _bookmarks;
    private readonly bool _sendInitialEvents;
    private readonly TimeSpan? _timeout;
    private readonly long? _resourceVersion;

    /// <summary>Reads and checks the query (400 before anything is streamed, as the real server answers a bad one).</summary>
    public WatchStream(ClusterStore store, ApiResource resource, string version, string? ns, HttpRequest request)
    {
        var query = request.Query;
        _store = store;
        _resource = resource;
        _version = version;
        _namespace = ns;
        _labels = LabelSelector.Parse(query["labelSelector"]);
        _fields = FieldSelectors.Checked(resource, LabelSelector.ParseFields(query["fieldSelector"]));
        _table = TablePrinting.IsRequested(request);
        _includeObject = query["includeObject"];
        _bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        _sendInitialEvents = query["sendInitialEvents"].ToString() is "true" or "1";
        if (query["timeoutSeconds"].ToString() is { Length: > 0 } timeout)
        {
            _timeout = int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : throw ApiError.BadRequest($"timeoutSeconds: Invalid value: \"{timeout}\": must be a non-negative integer");
        }

        var resourceVersion = query["resourceVersion"].ToString();
        if (resourceVersion is { Length: > 0 } and not "0")
        {
            _resourceVersion = long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiError.BadRequest($"invalid resource version: {resourceVersion}");
        }
    }

    public async Task RunAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = 200;
        response.ContentType = "application/json";
        await response.StartAsync(cancellationToken);
        await response.Body.FlushAsync(cancellationToken);

        using var timeout = new CancellationTokenSource();
        if (_timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await StreamAsync(response, ended.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // timeoutSeconds is up: a last bookmark tells the client where to resume, then the stream ends cleanly.
            if (_bookmarks)
            {
                await WriteAsync(response, "BOOKMARK", Bookmark(_store.CurrentResourceVersion), cancellationToken);
            }
        }
    }

    private async Task StreamAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        long position;
        if (_resourceVersion is null || _sendInitialEvents)
        {
            var (items, listVersion) = _store.List(_resource, _namespace, _labels, _fields);
            foreach (var item in items)
            {
                await WriteAsync(response, "ADDED", Shown(item, listVersion), cancellationToken);
            }

            position = long.Parse(listVersion, CultureInfo.InvariantCulture);
            if (_sendInitialEvents && _bookmarks)
            {
                var end = Bookmark(listVersion);
                end["metadata"]!["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                await WriteAsync(response, "BOOKMARK", end, cancellationToken);
            }
        }
        else
        {
            position = _resourceVersion.Value;
        }

        var nextBookmark = DateTimeOffset.UtcNow + s_bookmarkEvery;
        while (true)
        {
            IReadOnlyList<StoredChange> changes;
            long upTo;
            Task next;
            try
            {
                (changes, upTo, next) = _store.ChangesAfter(_resource, position);
            }
            catch (ApiError expired)
            {
                await WriteAsync(response, "ERROR", expired.ToStatus(), cancellationToken);
                return;
            }

            foreach (var change in changes)
            {
                if (EventOf(change) is var (type, obj))
                {
                    await WriteAsync(response, type, Shown(obj, change.ResourceVersion.ToString(CultureInfo.InvariantCulture)), cancellationToken);
                }
            }

            position = upTo;
            if (_bookmarks && DateTimeOffset.UtcNow >= nextBookmark)
            {
                await WriteAsync(response, "BOOKMARK", Bookmark(position.ToString(CultureInfo.InvariantCulture)), cancellationToken);
                nextBookmark = DateTimeOffset.UtcNow + s_bookmarkEvery;
            }

            await Task.WhenAny(next, Task.Delay(s_settleEvery, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            _store.Settle();
        }
    }

    /// <summary>The event this watch sees for a change, if any: selectors decide, before and after.</summary>
    private (string Type, JsonObject Object)? EventOf(StoredChange change)
    {
        var now = ClusterStore.Matches(_resource, _namespace, _labels, _fields, change.Object);
        var before = change.Previous is { } previous && ClusterStore.Matches(_resource, _namespace, _labels, _fields, previous);
        return change.Type switch
        {
            ChangeType.Added when now => ("ADDED", change.Object),
            ChangeType.Deleted when before => ("DELETED", change.Object),
            ChangeType.Modified when now && before => ("MODIFIED", change.Object),
            ChangeType.Modified when now => ("ADDED", change.Object),
            ChangeType.Modified when before => ("DELETED", AtResourceVersion(change.Previous!, change.ResourceVersion)),
            _ => null,
        };
    }

    private static JsonObject AtResourceVersion(JsonObject obj, long resourceVersion)
    {
        var copy = obj.DeepClone().AsObject();
        copy["metadata"]!["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        return copy;
    }

    /// <summary>The object as the request asked for it: at the URL's version, or as a one-row Table.</summary>
    private JsonObject Shown(JsonObject stored, string resourceVersion)
    {
        var obj = ApiRequestHandler.AtVersion(stored.DeepClone().AsObject(), _resource, _version);
        return _table ? TablePrinting.Table(_resource, [obj], resourceVersion, _store.Time.GetUtcNow(), _includeObject) : obj;
    }

    private JsonObject Bookmark(string resourceVersion) => _table
        ? TablePrinting.Table(_resource, [], resourceVersion, _store.Time.GetUtcNow(), _includeObject)
        : new JsonObject
        {
            ["kind"] = _resource.Kind,
            ["apiVersion"] = _resource.ApiVersion(_version),
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
        };

    private static async Task WriteAsync(HttpResponse response, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString() + "\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
