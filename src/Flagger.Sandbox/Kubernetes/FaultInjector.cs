namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// Makes the next calls that match fail: with a status code answered as a <c>Status</c> object, or by
/// hanging (longer than the client's timeout) before answering. Rules are consumed in the order added.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];

    /// <summary>The next <paramref name="times"/> calls matching <paramref name="method"/> (any when null) and
    /// <paramref name="pathPrefix"/> (any when null) answer <paramref name="statusCode"/>.</summary>
    public FaultRule Fail(int statusCode, string? method = null, string? pathPrefix = null, int times = 1) =>
        Add(new FaultRule(Matcher(method, pathPrefix), statusCode, times, Hang: null));

    /// <summary>The next matching calls wait <paramref name="duration"/> (or until the client gives up)
    /// before answering 504.</summary>
    public FaultRule Hang(TimeSpan duration, string? method = null, string? pathPrefix = null, int times = 1) =>
        Add(new FaultRule(Matcher(method, pathPrefix), 504, times, duration));

    /// <summary>Any rule: a predicate on (method, path), a status code, a count and an optional hang.</summary>
    public FaultRule Add(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Rules that still have calls left to fail.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _rules.Count(r => r.Remaining > 0);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    internal FaultRule? Take(string method, string path)
    {
        lock (_gate)
        {
            var rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Matches(method, path));
            rule?.Consume();
            return rule;
        }
    }

    private static Func<string, string, bool> Matcher(string? method, string? pathPrefix) =>
        (m, p) => (method is null || string.Equals(method, m, StringComparison.OrdinalIgnoreCase))
            && (pathPrefix is null || p.StartsWith(pathPrefix, StringComparison.Ordinal));
}

/// <summary>A fault: which calls (method, path), what answer, how many times, and whether to hang first.</summary>
public sealed record FaultRule(Func<string, string, bool> Matches, int StatusCode, int Times, TimeSpan? Hang)
{
    private int _hits;

    public int Hits => Volatile.Read(ref _hits);

    public int Remaining => Times - Hits;

    internal void Consume() => Interlocked.Increment(ref _hits);
}
