namespace Flagger.Sandbox.Traffic;

/// <summary>How a simulated pod answers: the share of 5xx answers and the range its latencies are drawn from.</summary>
public sealed record PodBehaviour(double ErrorRate, TimeSpan MinLatency, TimeSpan MaxLatency)
{
    /// <summary>About 0.2% 5xx, 15 to 40 ms.</summary>
    public static PodBehaviour Good { get; } = new(0.002, TimeSpan.FromMilliseconds(15), TimeSpan.FromMilliseconds(40));

    /// <summary>40% 5xx, 700 to 900 ms (about 800 ms).</summary>
    public static PodBehaviour Bad { get; } = new(0.4, TimeSpan.FromMilliseconds(700), TimeSpan.FromMilliseconds(900));

    /// <summary>The default: <see cref="Bad"/> when the image's tag contains <c>bad</c>, else <see cref="Good"/>.</summary>
    public static PodBehaviour ForImage(string image) =>
        TagOf(image).Contains("bad", StringComparison.OrdinalIgnoreCase) ? Bad : Good;

    /// <summary>The tag of an image reference (<c>repo:tag@digest</c> as a registry push sets it, or <c>repo:tag</c>); the digest when pinned by digest alone, <c>latest</c> when it has neither.</summary>
    public static string TagOf(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var reference = at >= 0 ? image[..at] : image;
        var name = reference[(reference.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        if (colon >= 0)
        {
            return name[(colon + 1)..];
        }

        return at >= 0 ? image[(at + 1)..] : "latest";
    }
}
