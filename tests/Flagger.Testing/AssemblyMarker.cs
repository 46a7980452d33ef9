namespace Flagger.Testing;

/// <summary>Test support shared by the test projects: fake servers and local receivers over real HTTP.</summary>
internal static class AssemblyMarker;
