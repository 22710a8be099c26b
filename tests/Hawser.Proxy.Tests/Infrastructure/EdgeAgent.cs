namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>The real agent binary in edge mode, dialling a <see cref="FakeDockhand"/>, in front of the test engine.</summary>
internal sealed class EdgeAgent : IAsyncDisposable
{
    private readonly string _stateDir;

    private EdgeAgent(AgentProcess agent, string stateDir)
    {
        Agent = agent;
        _stateDir = stateDir;
    }

    public AgentProcess Agent { get; }

    public static async Task<EdgeAgent> StartAsync(
        DockerEngineFixture engine,
        string serverUrl,
        string token,
        IDictionary<string, string?>? settings = null)
    {
        var stateDir = Directory.CreateTempSubdirectory("hawser-state-").FullName;
        var environment = new Dictionary<string, string?>
        {
            ["DOCKHAND_SERVER_URL"] = serverUrl,
            ["TOKEN"] = token,
            ["DOCKER_SOCKET"] = engine.SocketPath,
            ["STATE_DIR"] = stateDir,
            ["RECONNECT_DELAY"] = "1",
            ["MAX_RECONNECT_DELAY"] = "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return new EdgeAgent(await AgentProcess.StartAsync(environment), stateDir);
    }

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        Directory.Delete(_stateDir, recursive: true);
    }
}
