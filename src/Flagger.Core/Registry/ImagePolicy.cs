using System.Text.RegularExpressions;
using Semver;

namespace Flagger.Core.Registry;

public enum ImagePolicyKind
{
    Semver,
    Regex,
    None,
    Invalid,
}

/// <summary>
/// What a registry push may deploy to a canary's target, read from the Canary annotation
/// <c>flagger-functions.io/image-policy</c>: <c>semver:&lt;npm range&gt;</c>, <c>regex:&lt;pattern&gt;</c> or
/// <c>none</c>. Without the annotation any release tag newer than the running one is accepted (pre-releases
/// need a range that names them, as in npm). Whatever the policy, a push never downgrades.
/// </summary>
public sealed class ImagePolicy
{
    public const string Annotation = "flagger-functions.io/image-policy";

    private static readonly TimeSpan s_regexTimeout = TimeSpan.FromMilliseconds(100);
    private const SemVersionStyles TagStyles = SemVersionStyles.Strict | SemVersionStyles.AllowV;

    private ImagePolicy(ImagePolicyKind kind, string text, SemVersionRange? range = null, Regex? tagPattern = null, string? error = null)
    {
        Kind = kind;
        Text = text;
        Range = range;
        TagPattern = tagPattern;
        Error = error;
    }

    public ImagePolicyKind Kind { get; }

    /// <summary>The annotation value as written, or <c>semver:*</c> for the default.</summary>
    public string Text { get; }

    public SemVersionRange? Range { get; }

    public Regex? TagPattern { get; }

    /// <summary>Why the annotation is invalid (<see cref="ImagePolicyKind.Invalid"/> only).</summary>
    public string? Error { get; }

    public static ImagePolicy Default { get; } = new(ImagePolicyKind.Semver, "semver:*", SemVersionRange.AllRelease);

    public static ImagePolicy FromAnnotations(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null && annotations.TryGetValue(Annotation, out var value) ? Parse(value) : Default;

    public static ImagePolicy Parse(string? value)
    {
        var text = value?.Trim() ?? "";
        if (text == "none")
        {
            return new ImagePolicy(ImagePolicyKind.None, text);
        }

        if (text.StartsWith("semver:", StringComparison.Ordinal))
        {
            var range = text["semver:".Length..].Trim();
            if (range.Length == 0)
            {
                return Invalid(text, "semver: needs a range, for example semver:^1.2.0");
            }

            return SemVersionRange.TryParseNpm(range, out var parsed)
                ? new ImagePolicy(ImagePolicyKind.Semver, text, parsed)
                : Invalid(text, $"'{range}' is not an npm-style semver range");
        }

        if (text.StartsWith("regex:", StringComparison.Ordinal))
        {
            var pattern = text["regex:".Length..];
            if (pattern.Length == 0)
            {
                return Invalid(text, "regex: needs a pattern, for example regex:^main-[0-9]+$");
            }

            try
            {
                return new ImagePolicy(ImagePolicyKind.Regex, text, tagPattern: new Regex(pattern, RegexOptions.CultureInvariant, s_regexTimeout));
            }
            catch (ArgumentException e)
            {
                return Invalid(text, $"'{pattern}' is not a valid regular expression: {e.Message}");
            }
        }

        return Invalid(text, "expected semver:<range>, regex:<pattern> or none");
    }

    /// <summary>
    /// Whether a push of <paramref name="pushedRepository"/> (<c>registry/repository</c>) at
    /// <paramref name="pushedTag"/> and <paramref name="pushedDigest"/> may replace <paramref name="runningImage"/>.
    /// <paramref name="lastPushAt"/> is the event time of the last push applied to the target, if any: the
    /// regex policy has no version order, so it orders by event time.
    /// </summary>
    public static ImageDecision Decide(
        ImagePolicy policy,
        string runningImage,
        string pushedRepository,
        string pushedTag,
        string pushedDigest,
        DateTimeOffset pushedAt,
        DateTimeOffset? lastPushAt)
    {
        switch (policy.Kind)
        {
            case ImagePolicyKind.Invalid:
                return new ImageDecision.Refuse($"annotation {Annotation} '{policy.Text}' is invalid: {policy.Error}");
            case ImagePolicyKind.None:
                return new ImageDecision.Refuse($"annotation {Annotation} is 'none': pushes are not deployed");
        }

        if (!ImageReference.TryParse(runningImage, out var running, out var runningError))
        {
            return new ImageDecision.Refuse($"the running image cannot be read: {runningError}");
        }

        if (!ImageReference.TryParse($"{pushedRepository}:{pushedTag}@{pushedDigest}", out var pushed, out var pushedError))
        {
            return new ImageDecision.Refuse($"the pushed image cannot be read: {pushedError}");
        }

        if (!string.Equals(running.Name, pushed.Name, StringComparison.Ordinal))
        {
            return new ImageDecision.Refuse($"the target runs {running.Name}, not {pushed.Name}");
        }

        if (running.Digest is not null && running.Digest == pushed.Digest)
        {
            return new ImageDecision.Refuse($"already runs {pushed} (no-op)", IsNoOp: true);
        }

        return policy.Kind == ImagePolicyKind.Semver
            ? DecideBySemver(policy, running, pushed)
            : DecideByEventTime(policy, pushed, pushedAt, lastPushAt);
    }

    private static ImageDecision DecideBySemver(ImagePolicy policy, ImageReference running, ImageReference pushed)
    {
        if (!SemVersion.TryParse(pushed.Tag, TagStyles, out var pushedVersion))
        {
            return new ImageDecision.Refuse($"tag '{pushed.Tag}' is not a semantic version ({policy.Text})");
        }

        if (!policy.Range!.Contains(pushedVersion))
        {
            return new ImageDecision.Refuse($"tag '{pushed.Tag}' is outside the range of {policy.Text}");
        }

        if (running.Tag is null || !SemVersion.TryParse(running.Tag, TagStyles, out var runningVersion))
        {
            return new ImageDecision.Refuse(
                $"the running tag '{running.Tag}' is not a semantic version, so '{pushed.Tag}' cannot be shown to be newer");
        }

        var order = pushedVersion.ComparePrecedenceTo(runningVersion);
        if (order == 0)
        {
            return new ImageDecision.Refuse($"tag '{pushed.Tag}' is not newer than the running '{running.Tag}'", IsNoOp: pushed.Tag == running.Tag);
        }

        return order < 0
            ? new ImageDecision.Refuse($"tag '{pushed.Tag}' would downgrade the running '{running.Tag}'")
            : new ImageDecision.Accept(pushed.ToString());
    }

    private static ImageDecision DecideByEventTime(ImagePolicy policy, ImageReference pushed, DateTimeOffset pushedAt, DateTimeOffset? lastPushAt)
    {
        try
        {
            if (!policy.TagPattern!.IsMatch(pushed.Tag!))
            {
                return new ImageDecision.Refuse($"tag '{pushed.Tag}' does not match {policy.Text}");
            }
        }
        catch (RegexMatchTimeoutException)
        {
            return new ImageDecision.Refuse($"annotation {Annotation} '{policy.Text}' took too long to match tag '{pushed.Tag}'");
        }

        if (lastPushAt is { } last && pushedAt <= last)
        {
            return new ImageDecision.Refuse(
                $"the push of '{pushed.Tag}' at {pushedAt:O} is not after the last applied push at {last:O}");
        }

        return new ImageDecision.Accept(pushed.ToString());
    }

    private static ImagePolicy Invalid(string text, string error) => new(ImagePolicyKind.Invalid, text, error: error);
}

/// <summary>The verdict on one push for one target container.</summary>
public abstract record ImageDecision
{
    private ImageDecision()
    {
    }

    /// <param name="NewImage"><c>registry/repository:tag@digest</c>.</param>
    public sealed record Accept(string NewImage) : ImageDecision;

    /// <param name="IsNoOp">The target already runs what was pushed: nothing to do rather than something refused.</param>
    public sealed record Refuse(string Reason, bool IsNoOp = false) : ImageDecision;
}
