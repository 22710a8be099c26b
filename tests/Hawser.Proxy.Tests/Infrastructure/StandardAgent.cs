namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>An agent in standard mode in front of the test engine, with a docker CLI pointed at it.</summary>
internal sealed class StandardAgent : IAsyncDisposable
{
    private StandardAgent(AgentProcess agent, string token)
    {
        Agent = agent;
        Token = token;
        Cli = new DockerCli(agent.Port, token);
    }

    public AgentProcess Agent { get; }

    public string Token { get; }

    public DockerCli Cli { get; }

    public static async Task<StandardAgent> StartAsync(
        DockerEngineFixture engine,
        IDictionary<string, string?>? settings = null,
        string? dockerEndpoint = null)
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string?>
        {
            ["TOKEN"] = token,
            ["BIND_ADDRESS"] = "127.0.0.1",
        };
        if (dockerEndpoint is null)
        {
            environment["DOCKER_SOCKET"] = engine.SocketPath;
        }
        else
        {
            environment["DOCKER_HOST"] = dockerEndpoint;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return new StandardAgent(await AgentProcess.StartAsync(environment), token);
    }

    public async ValueTask DisposeAsync()
    {
        Cli.Dispose();
        await Agent.DisposeAsync();
    }
}
