namespace Hawser.Proxy.Tests.Infrastructure;

internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string EngineScript => Path.Combine(Root, "tests", "engine", "engine.sh");

    /// <summary>The agent binary built next to the tests (the project reference copies it here).</summary>
    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "hawser.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hawser.Proxy.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Hawser.Proxy.sln not found above " + AppContext.BaseDirectory);
    }
}
