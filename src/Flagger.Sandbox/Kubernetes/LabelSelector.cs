namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// A parsed <c>labelSelector</c> (or <c>fieldSelector</c>) query: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>,
/// <c>a in (x,y)</c>, <c>a notin (x,y)</c>, <c>a</c>, <c>!a</c>, joined by commas.
/// </summary>
public sealed class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var term in SplitTerms(text))
        {
            requirements.Add(ParseTerm(term.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    /// <summary>A <c>fieldSelector</c>: only <c>=</c>, <c>==</c> and <c>!=</c> terms, like the real server's field selectors.</summary>
    public static LabelSelector ParseFields(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        foreach (var term in SplitTerms(text).Select(t => t.Trim()))
        {
            if (term.Contains('(', StringComparison.Ordinal) || !term.Contains('=', StringComparison.Ordinal))
            {
                throw ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }
        }

        return Parse(text);
    }

    /// <summary>The keys (labels or fields) the selector names.</summary>
    public IEnumerable<string> Keys => _requirements.Select(r => r.Key);

    /// <summary>Whether the labels (absent keys are missing labels) satisfy every requirement.</summary>
    public bool Matches(Func<string, string?> lookup) => _requirements.All(r => r.Matches(lookup(r.Key)));

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static Requirement ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw ApiError.BadRequest($"unable to parse requirement: empty term in selector \"{whole}\"");
        }

        if (term.StartsWith('!'))
        {
            return new Requirement(term[1..].Trim(), Operator.DoesNotExist, []);
        }

        var notEquals = term.IndexOf("!=", StringComparison.Ordinal);
        if (notEquals > 0)
        {
            return new Requirement(term[..notEquals].Trim(), Operator.NotIn, [term[(notEquals + 2)..].Trim()]);
        }

        var equals = term.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            var value = term[(equals + 1)..];
            value = value.StartsWith('=') ? value[1..] : value;
            return new Requirement(term[..equals].Trim(), Operator.In, [value.Trim()]);
        }

        var open = term.IndexOf('(', StringComparison.Ordinal);
        if (open > 0 && term.EndsWith(')'))
        {
            var head = term[..open].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = term[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (head.Length == 2 && head[1] is "in" or "notin")
            {
                return new Requirement(head[0], head[1] == "in" ? Operator.In : Operator.NotIn, values);
            }

            throw ApiError.BadRequest($"unable to parse requirement \"{term}\" in selector \"{whole}\"");
        }

        if (term.Contains(' ', StringComparison.Ordinal))
        {
            throw ApiError.BadRequest($"unable to parse requirement \"{term}\" in selector \"{whole}\"");
        }

        return new Requirement(term, Operator.Exists, []);
    }

    private enum Operator
    {
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Operator Operator, IReadOnlyList<string> Values)
    {
        public bool Matches(string? value) => Operator switch
        {
            Operator.In => value is not null && Values.Contains(value, StringComparer.Ordinal),
            Operator.NotIn => value is null || !Values.Contains(value, StringComparer.Ordinal),
            Operator.Exists => value is not null,
            _ => value is null,
        };
    }
}
