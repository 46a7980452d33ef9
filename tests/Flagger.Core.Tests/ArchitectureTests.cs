using System.Reflection;
using Flagger.Core.Workloads;
using Xunit;

namespace Flagger.Core.Tests;

public class ArchitectureTests
{
    private static readonly Assembly s_core = typeof(Readiness).Assembly;

    [Fact]
    public void FlaggerCore_TransitiveReferences_ContainNoAzureAssembly()
    {
        var offending = ReferenceWalker.Walk(s_core).Where(IsAzure).Order(StringComparer.Ordinal).ToList();

        Assert.True(offending.Count == 0, "Flagger.Core must stay free of Azure; it references " + string.Join(", ", offending));
    }

    [Fact]
    public void Walk_FlaggerCore_FollowsReferencesBeyondTheDirectOnes()
    {
        // Guards the guard: if the walk stopped at direct references (or found nothing), the test above would pass vacuously.
        var direct = s_core.GetReferencedAssemblies().Select(n => n.Name!).ToHashSet(StringComparer.Ordinal);

        var walked = ReferenceWalker.Walk(s_core);

        Assert.Contains("KubernetesClient", walked);
        Assert.Contains("YamlDotNet", walked); // referenced by KubernetesClient
        Assert.Contains("System.Private.CoreLib", walked);
        Assert.True(walked.IsProperSupersetOf(direct), "walk found nothing beyond the direct references");
    }

    [Theory]
    [InlineData("Azure.Core", true)]
    [InlineData("Azure.Data.Tables", true)]
    [InlineData("Microsoft.Azure.Functions.Worker", true)]
    [InlineData("Microsoft.Azure.DurableTask.Core", true)]
    [InlineData("KubernetesClient", false)]
    [InlineData("Microsoft.Extensions.Logging", false)]
    [InlineData("AzureStorageEmulator", false)]
    public void IsAzure_AssemblyName_MatchesAzurePrefixes(string name, bool expected)
    {
        Assert.Equal(expected, IsAzure(name));
    }

    private static bool IsAzure(string name) =>
        name.StartsWith("Azure.", StringComparison.Ordinal) || name.StartsWith("Microsoft.Azure.", StringComparison.Ordinal);

    private static class ReferenceWalker
    {
        /// <summary>
        /// Names of every assembly reachable from <paramref name="root"/> through metadata references. An
        /// assembly that cannot be loaded is still listed (its reference alone is what we forbid), just not followed.
        /// </summary>
        public static HashSet<string> Walk(Assembly root)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Queue<Assembly>([root]);
            while (pending.TryDequeue(out var assembly))
            {
                foreach (var reference in assembly.GetReferencedAssemblies())
                {
                    if (reference.Name is null || !seen.Add(reference.Name))
                    {
                        continue;
                    }

                    if (TryLoad(reference) is { } loaded)
                    {
                        pending.Enqueue(loaded);
                    }
                }
            }

            return seen;
        }

        private static Assembly? TryLoad(AssemblyName name)
        {
            try
            {
                return Assembly.Load(name);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                return null;
            }
        }
    }
}
