namespace Hawser.Proxy.Tests.Infrastructure;

internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string EngineScript => Path.Combine(Root, "tests", "engine", "engine.sh");

    /// <summary>The agent binary built next to the tests (the project reference copies it here).</summary>
    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "hawser.dll");

    /// <summary>
    /// How the tests start the agent: <c>dotnet hawser.dll</c> from the test output, or, with
    /// <c>HAWSER_TEST_AGENT_BINARY</c> set, that published executable (to run the suite against the trimmed build of
    /// deploy/Dockerfile: <c>dotnet publish src/Hawser.Proxy -c Release -r linux-x64 --self-contained
    /// -p:PublishTrimmed=true -o DIR</c>).
    /// </summary>
    public static (string FileName, string[] Arguments) AgentCommand(params string[] arguments) =>
        Environment.GetEnvironmentVariable("HAWSER_TEST_AGENT_BINARY") is { Length: > 0 } binary
            ? (binary, arguments)
            : ("dotnet", [AgentDll, .. arguments]);

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
