using System.Globalization;

namespace Flagger.Benchmarks.Scale;

/// <summary>
/// The <c>scale</c> subcommand's arguments (<c>--name value</c> pairs). The host, its sandbox and Azurite are
/// started by <c>scale.sh</c>; this side only needs to know where they are.
/// </summary>
public sealed record ScaleOptions
{
    /// <summary>Flagger.Host's base address (<c>http://127.0.0.1:PORT</c>).</summary>
    public required Uri Api { get; init; }

    /// <summary>The sandbox's kubeconfig (bearer token over http, so KubernetesClient, not kubectl).</summary>
    public required string Kubeconfig { get; init; }

    public int Canaries { get; init; } = 10;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    public int StepWeight { get; init; } = 20;

    public int MaxWeight { get; init; } = 100;

    public string Namespace { get; init; } = "scale";

    /// <summary>Pushes in flight at once: Event Grid delivers a burst concurrently.</summary>
    public int PushConcurrency { get; init; } = 16;

    /// <summary>The host's process id, for its peak RSS and CPU time.</summary>
    public int? HostPid { get; init; }

    /// <summary>Azurite's process ids, for their CPU time: one, or one per service when it runs split (queue, table, blob).</summary>
    public IReadOnlyList<int> AzuritePids { get; init; } = [];

    /// <summary>The task hub's storage account, to sample its queue depths; none: not sampled.</summary>
    public string? Storage { get; init; }

    public string TaskHub { get; init; } = "flaggerhost";

    /// <summary>Free text for the table's first column (the settings the run used).</summary>
    public string Label { get; init; } = "";

    /// <summary>A Markdown file the row is appended to (the header is written when the file is new).</summary>
    public string? Output { get; init; }

    public TimeSpan InitializeTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Null: twice the ideal rollout time plus five minutes.</summary>
    public TimeSpan? RolloutTimeout { get; init; }

    public int Steps => (MaxWeight + StepWeight - 1) / StepWeight;

    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            }

            values[args[i][2..]] = args[++i];
        }

        string? Take(string name) => values.Remove(name, out var value) ? value : null;
        int? Int(string name) => Take(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

        var options = new ScaleOptions
        {
            Api = new Uri(Take("api") ?? throw new ArgumentException("--api is required (the host's base address)")),
            Kubeconfig = Take("kubeconfig") ?? throw new ArgumentException("--kubeconfig is required (the sandbox's kubeconfig)"),
            Canaries = Int("canaries") ?? 10,
            Interval = TimeSpan.FromSeconds(Int("interval") ?? 15),
            StepWeight = Int("step-weight") ?? 20,
            MaxWeight = Int("max-weight") ?? 100,
            Namespace = Take("namespace") ?? "scale",
            PushConcurrency = Int("push-concurrency") ?? 16,
            HostPid = Int("host-pid"),
            AzuritePids = Take("azurite-pid") is { } pids
                ? [.. pids.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))]
                : [],
            Storage = Take("storage"),
            TaskHub = Take("task-hub") ?? "flaggerhost",
            Label = Take("label") ?? "",
            Output = Take("output"),
            InitializeTimeout = TimeSpan.FromMinutes(Int("initialize-timeout-minutes") ?? 10),
            RolloutTimeout = Int("rollout-timeout-minutes") is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown arguments: {string.Join(", ", values.Keys.Select(k => "--" + k))}");
        }

        if (options.Canaries < 1 || options.StepWeight < 1 || options.MaxWeight < options.StepWeight || options.PushConcurrency < 1)
        {
            throw new ArgumentException("--canaries, --step-weight and --push-concurrency must be positive, --max-weight at least --step-weight");
        }

        return options;
    }
}
