using System.Text.Json.Nodes;

namespace Flagger.Sandbox;

/// <summary>How to start a <see cref="SandboxCluster"/>: the sample app, its Canary's analysis, and the simulated world.</summary>
public sealed class SandboxOptions
{
    /// <summary>Where the kubeconfig and Prometheus' directory go; a new temporary directory (removed on dispose) when null.</summary>
    public string? WorkDirectory { get; init; }

    public string Namespace { get; init; } = "test";

    /// <summary>The sample Deployment's image at start.</summary>
    public string Image { get; init; } = SampleApp.DefaultImage;

    public int Replicas { get; init; } = 2;

    /// <summary><c>analysis.interval</c> of every sample Canary.</summary>
    public TimeSpan AnalysisInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>interval</c> of the builtin metrics (the PromQL range).</summary>
    public TimeSpan MetricInterval { get; init; } = TimeSpan.FromSeconds(30);

    public int Threshold { get; init; } = 3;

    public int StepWeight { get; init; } = 10;

    public int MaxWeight { get; init; } = 50;

    /// <summary><c>analysis.iterations</c> of the A/B and blue/green variants.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary><c>request-success-rate</c> <c>thresholdRange.min</c> (percent).</summary>
    public double SuccessRateMin { get; init; } = 99;

    /// <summary><c>request-duration</c> <c>thresholdRange.max</c> (milliseconds).</summary>
    public double DurationMaxMilliseconds { get; init; } = 500;

    /// <summary><c>progressDeadlineSeconds</c> of the sample Canaries.</summary>
    public int ProgressDeadlineSeconds { get; init; } = 60;

    /// <summary>Also install <c>podinfo-ab</c>: A/B testing on <c>x-canary: insider</c> for <see cref="Iterations"/> iterations.</summary>
    public bool ABTesting { get; init; }

    /// <summary>Also install <c>podinfo-bg</c>: blue/green with traffic mirroring for <see cref="Iterations"/> iterations.</summary>
    public bool BlueGreen { get; init; }

    /// <summary>When set, every sample Canary gets an <c>event</c> webhook to this URL.</summary>
    public Uri? EventWebhookUrl { get; init; }

    /// <summary>More <c>analysis.webhooks</c> entries (as Flagger YAML in JSON) for every sample Canary.</summary>
    public IReadOnlyList<JsonObject> ExtraWebhooks { get; init; } = [];

    /// <summary>Time the simulated deployment controller takes to make a rollout ready.</summary>
    public TimeSpan DeploymentReadyAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Images whose pods never become ready (the rollout stalls); by default those containing <c>broken</c>.</summary>
    public Func<string, bool>? IsBrokenImage { get; init; }

    /// <summary>Requests per second through each sample route.</summary>
    public int RequestsPerSecond { get; init; } = 50;

    /// <summary>Share of users carrying the A/B match headers (<c>x-canary: insider</c>).</summary>
    public double InsiderShare { get; init; } = 0.2;

    /// <summary>Run the traffic loop (off: requests go out only through <see cref="Traffic.TrafficSimulator.Send"/>).</summary>
    public bool RunTraffic { get; init; } = true;

    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The API server's bearer token; random when null (with <see cref="KeepState"/>, the kept one).</summary>
    public string? ApiToken { get; init; }

    /// <summary>Keep the cluster in <c>WorkDirectory/cluster</c> (needs <see cref="WorkDirectory"/>): started again on
    /// the same directory, the API server has the same address, CA, token and objects (the sample is installed only
    /// where its Canary is missing), and the kubeconfig is left in place on dispose.</summary>
    public bool KeepState { get; init; }
}
