using Flagger.Core.Model;

namespace Flagger.Testing.Canaries;

/// <summary>The canary of Flagger's scheduler test fixture: threshold 10, stepWeight 10, maxWeight 50, both builtin metrics.</summary>
public static class Podinfo
{
    public static CanaryBuilder Canary() => new CanaryBuilder()
        .WithName("podinfo")
        .WithThreshold(10)
        .WithStepWeight(10)
        .WithMaxWeight(50)
        .WithMetric(CanaryMetric.RequestSuccessRate, min: 99)
        .WithMetric(CanaryMetric.RequestDuration, max: 500);

    public static InMemoryWorld World(CanaryBuilder builder) => new(builder.Build());

    public static Task<InMemoryWorld> InitializedAsync(CanaryBuilder builder) => World(builder).InitializedAsync();

    /// <summary>Initialized, then a new image: the next tick detects it.</summary>
    public static async Task<InMemoryWorld> WithNewRevisionAsync(CanaryBuilder builder, string image = "podinfo:2.0.0")
    {
        var world = await InitializedAsync(builder);
        world.UpdateTarget(image);
        return world;
    }

    public static CanaryPhase? PhaseOf(this InMemoryWorld world) => world.Phase;
}
