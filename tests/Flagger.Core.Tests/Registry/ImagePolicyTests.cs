using Flagger.Core.Registry;
using Xunit;

namespace Flagger.Core.Tests.Registry;

public class ImagePolicyTests
{
    private const string Repo = "contosoacr.azurecr.io/podinfo";
    private const string DigestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string DigestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, ImagePolicyKind.Semver)]
    [InlineData("semver:^1.2.0", ImagePolicyKind.Semver)]
    [InlineData("semver:>=2.0.0 <3.0.0", ImagePolicyKind.Semver)]
    [InlineData("  semver:~6.0  ", ImagePolicyKind.Semver)]
    [InlineData("semver:*", ImagePolicyKind.Semver)]
    [InlineData("regex:^main-[0-9]+$", ImagePolicyKind.Regex)]
    [InlineData("none", ImagePolicyKind.None)]
    [InlineData("", ImagePolicyKind.Invalid)]
    [InlineData("latest", ImagePolicyKind.Invalid)]
    [InlineData("semver:", ImagePolicyKind.Invalid)]
    [InlineData("semver:not a range", ImagePolicyKind.Invalid)]
    [InlineData("regex:", ImagePolicyKind.Invalid)]
    [InlineData("regex:([unclosed", ImagePolicyKind.Invalid)]
    [InlineData("SEMVER:^1.0.0", ImagePolicyKind.Invalid)]
    [InlineData("None", ImagePolicyKind.Invalid)]
    public void FromAnnotations_Value_ParsesKind(string? value, ImagePolicyKind kind)
    {
        var annotations = value is null
            ? new Dictionary<string, string> { ["other"] = "x" }
            : new Dictionary<string, string> { [ImagePolicy.Annotation] = value };

        var policy = ImagePolicy.FromAnnotations(annotations);

        Assert.Equal(kind, policy.Kind);
        Assert.Equal(kind == ImagePolicyKind.Invalid, policy.Error is not null);
    }

    [Fact]
    public void FromAnnotations_Null_IsDefaultSemverOfReleases()
    {
        var policy = ImagePolicy.FromAnnotations(null);

        Assert.Same(ImagePolicy.Default, policy);
        Assert.Equal("semver:*", policy.Text);
    }

    public static TheoryData<string?, string, string, string> Accepted => new()
    {
        // annotation, running image, pushed tag, expected new image
        { null, Repo + ":6.0.0", "6.0.1", Repo + ":6.0.1@" + DigestA },
        { null, Repo + ":6.0.0", "7.0.0", Repo + ":7.0.0@" + DigestA },
        { null, Repo + ":v6.0.0", "v6.1.0", Repo + ":v6.1.0@" + DigestA },
        { null, Repo + ":6.0.0", "v6.0.1", Repo + ":v6.0.1@" + DigestA },
        { null, Repo + ":6.0.0@" + DigestB, "6.0.1", Repo + ":6.0.1@" + DigestA },
        { "semver:^6.0.0", Repo + ":6.0.0", "6.9.3", Repo + ":6.9.3@" + DigestA },
        { "semver:>=2.0.0 <3.0.0", Repo + ":2.0.0", "2.5.0", Repo + ":2.5.0@" + DigestA },
        { "semver:>=7.0.0-rc.0", Repo + ":6.0.0", "7.0.0-rc.1", Repo + ":7.0.0-rc.1@" + DigestA },
        { "semver:^6.0.0", Repo + ":6.0.0-rc.1", "6.0.0", Repo + ":6.0.0@" + DigestA },
        { "regex:^main-[0-9]+$", Repo + ":main-1", "main-2", Repo + ":main-2@" + DigestA },
        { "regex:^main-", Repo + ":latest", "main-abc", Repo + ":main-abc@" + DigestA },
        { "regex:.*", Repo + ":anything", "anything", Repo + ":anything@" + DigestA },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Decide_AllowedPush_AcceptsRepositoryTagAtDigest(string? annotation, string running, string tag, string expected)
    {
        var decision = ImagePolicy.Decide(Policy(annotation), running, Repo, tag, DigestA, s_t0, null);

        var accept = Assert.IsType<ImageDecision.Accept>(decision);
        Assert.Equal(expected, accept.NewImage);
    }

    public static TheoryData<string?, string, string, string> Refused => new()
    {
        // annotation, running image, pushed tag, fragment of the reason
        { null, Repo + ":6.0.2", "6.0.1", "would downgrade the running '6.0.2'" },
        { null, Repo + ":6.0.1", "6.0.1", "not newer than the running '6.0.1'" },
        { null, Repo + ":v6.0.1", "6.0.1", "not newer than the running 'v6.0.1'" },
        { null, Repo + ":6.0.0", "7.0.0-rc.1", "outside the range of semver:*" },
        { null, Repo + ":6.0.0", "latest", "'latest' is not a semantic version" },
        { null, Repo + ":6.0.0", "6.1", "'6.1' is not a semantic version" },
        { null, Repo + ":latest", "6.0.1", "running tag 'latest' is not a semantic version" },
        { null, Repo + "@" + DigestB, "6.0.1", "running tag '' is not a semantic version" },
        { "semver:^6.0.0", Repo + ":6.0.0", "7.0.0", "'7.0.0' is outside the range of semver:^6.0.0" },
        { "semver:>=2.0.0 <3.0.0", Repo + ":2.5.0", "2.4.0", "would downgrade" },
        { "regex:^main-[0-9]+$", Repo + ":main-1", "feature-2", "does not match regex:^main-[0-9]+$" },
        { "none", Repo + ":6.0.0", "6.0.1", "flagger-functions.io/image-policy is 'none'" },
        { "semver:bogus range", Repo + ":6.0.0", "6.0.1", "annotation flagger-functions.io/image-policy 'semver:bogus range' is invalid" },
        { "regex:([", Repo + ":6.0.0", "6.0.1", "annotation flagger-functions.io/image-policy 'regex:([' is invalid" },
        { "latest", Repo + ":6.0.0", "6.0.1", "annotation flagger-functions.io/image-policy 'latest' is invalid" },
        { null, "contosoacr.azurecr.io/other:6.0.0", "6.0.1", "runs contosoacr.azurecr.io/other, not " + Repo },
        { null, "otheracr.azurecr.io/podinfo:6.0.0", "6.0.1", "runs otheracr.azurecr.io/podinfo, not " + Repo },
        { null, "NOT AN IMAGE", "6.0.1", "running image cannot be read" },
        { null, Repo + ":6.0.0", "bad tag!", "pushed image cannot be read" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Decide_DisallowedPush_RefusesWithReason(string? annotation, string running, string tag, string reason)
    {
        var decision = ImagePolicy.Decide(Policy(annotation), running, Repo, tag, DigestA, s_t0, null);

        var refuse = Assert.IsType<ImageDecision.Refuse>(decision);
        Assert.Contains(reason, refuse.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "6.0.1")]
    [InlineData("regex:.*", "6.0.1")]
    [InlineData("regex:.*", "alias")]
    public void Decide_SameDigestAsRunning_IsNoOp(string? annotation, string tag)
    {
        var decision = ImagePolicy.Decide(Policy(annotation), Repo + ":6.0.1@" + DigestA, Repo, tag, DigestA, s_t0, null);

        var refuse = Assert.IsType<ImageDecision.Refuse>(decision);
        Assert.True(refuse.IsNoOp);
        Assert.Contains("already runs", refuse.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_DowngradeRefusal_IsNotANoOp()
    {
        var decision = ImagePolicy.Decide(ImagePolicy.Default, Repo + ":6.0.2", Repo, "6.0.1", DigestA, s_t0, null);

        Assert.False(Assert.IsType<ImageDecision.Refuse>(decision).IsNoOp);
    }

    [Theory]
    [InlineData(-60, false)]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(3600, true)]
    public void Decide_RegexPolicy_OrdersByEventTime(int secondsAfterLastPush, bool accepted)
    {
        var pushedAt = s_t0.AddSeconds(secondsAfterLastPush);

        var decision = ImagePolicy.Decide(Policy("regex:^main-"), Repo + ":main-2", Repo, "main-1", DigestA, pushedAt, s_t0);

        if (accepted)
        {
            Assert.IsType<ImageDecision.Accept>(decision);
        }
        else
        {
            Assert.Contains("is not after the last applied push", Assert.IsType<ImageDecision.Refuse>(decision).Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decide_SemverPolicy_IgnoresEventTime()
    {
        var decision = ImagePolicy.Decide(ImagePolicy.Default, Repo + ":6.0.0", Repo, "6.0.1", DigestA, s_t0.AddHours(-1), s_t0);

        Assert.IsType<ImageDecision.Accept>(decision);
    }

    [Fact]
    public void Decide_RegexThatBacktracksForever_RefusesInsteadOfHanging()
    {
        var tag = new string('a', 40) + "_";

        var decision = ImagePolicy.Decide(Policy("regex:^(a+)+$"), Repo + ":main", Repo, tag, DigestA, s_t0, null);

        Assert.Contains("took too long to match", Assert.IsType<ImageDecision.Refuse>(decision).Reason, StringComparison.Ordinal);
    }

    private static ImagePolicy Policy(string? annotation) => annotation is null ? ImagePolicy.Default : ImagePolicy.Parse(annotation);
}
