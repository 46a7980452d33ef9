using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
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

    /// <summary>
    /// Core decides; adapters act. Any type or clock read here that touches the outside world (network, files,
    /// processes, the Kubernetes client itself, the wall clock) would make decisions untestable without a host.
    /// </summary>
    [Fact]
    public void FlaggerCore_UsesNoIoTypeAndReadsNoClock()
    {
        var used = ReferencedMembers(s_core.Location);

        var offending = used.Where(IsIo).Order(StringComparer.Ordinal).ToList();

        Assert.True(offending.Count == 0, "Flagger.Core must do no I/O; it uses " + string.Join(", ", offending));
    }

    [Fact]
    public void ReferencedMembers_FlaggerCore_SeesTheTypesItDoesUse()
    {
        // Guards the guard: an empty or namespace-less scan would let the test above pass vacuously.
        var used = ReferencedMembers(s_core.Location);

        Assert.Contains("k8s.Models.V1Deployment", used);
        Assert.Contains("System.TimeSpan", used);
    }

    [Theory]
    [InlineData("System.Net.Http.HttpClient", true)]
    [InlineData("System.Net.Sockets.Socket", true)]
    [InlineData("System.IO.File", true)]
    [InlineData("System.IO.FileStream", true)]
    [InlineData("System.IO.Directory", true)]
    [InlineData("System.Diagnostics.Process", true)]
    [InlineData("k8s.Kubernetes", true)]
    [InlineData("k8s.IKubernetes", true)]
    [InlineData("System.DateTime::get_UtcNow", true)]
    [InlineData("System.DateTimeOffset::get_Now", true)]
    [InlineData("System.Environment::GetEnvironmentVariable", true)]
    [InlineData("System.IO.TextReader", false)]
    [InlineData("System.DateTimeOffset", false)]
    [InlineData("k8s.Models.V1Deployment", false)]
    [InlineData("System.Net.HttpStatusCode", false)]
    public void IsIo_TypeOrMember_MatchesOutsideWorldApis(string name, bool expected)
    {
        Assert.Equal(expected, IsIo(name));
    }

    private static readonly string[] s_ioNamespaces = ["System.Net.Http", "System.Net.Sockets"];

    private static readonly HashSet<string> s_ioTypes = new(StringComparer.Ordinal)
    {
        "System.IO.File", "System.IO.FileInfo", "System.IO.FileStream", "System.IO.Directory", "System.IO.DirectoryInfo",
        "System.Diagnostics.Process", "k8s.Kubernetes", "k8s.IKubernetes",
    };

    private static readonly HashSet<string> s_ioMembers = new(StringComparer.Ordinal)
    {
        "System.DateTime::get_Now", "System.DateTime::get_UtcNow", "System.DateTime::get_Today",
        "System.DateTimeOffset::get_Now", "System.DateTimeOffset::get_UtcNow",
        "System.Environment::GetEnvironmentVariable", "System.Environment::GetEnvironmentVariables",
    };

    private static bool IsIo(string name) =>
        s_ioMembers.Contains(name)
        || s_ioTypes.Contains(name)
        || s_ioNamespaces.Any(ns => name.StartsWith(ns + ".", StringComparison.Ordinal));

    /// <summary>Every type the assembly references, and every referenced member as <c>Type::member</c>.</summary>
    private static HashSet<string> ReferencedMembers(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = pe.GetMetadataReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            names.Add(TypeName(metadata, handle));
        }

        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (member.Parent.Kind == HandleKind.TypeReference)
            {
                names.Add(TypeName(metadata, (TypeReferenceHandle)member.Parent) + "::" + metadata.GetString(member.Name));
            }
        }

        return names;
    }

    private static string TypeName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var type = metadata.GetTypeReference(handle);
        var name = metadata.GetString(type.Name);
        return type.ResolutionScope.Kind == HandleKind.TypeReference
            ? TypeName(metadata, (TypeReferenceHandle)type.ResolutionScope) + "+" + name
            : metadata.GetString(type.Namespace) + "." + name;
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
