using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Configuration;

/// <summary>The real binary refuses a bad configuration with one line per problem and a non-zero exit.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Agent_InvalidSettings_ExitsOneWithOneLinePerProblem()
    {
        var result = await AgentProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["TOKEN"] = "t",
            ["DOCKER_SOCKET"] = "/nonexistent.sock",
            ["PORT"] = "70000",
            ["REQUEST_TIMEOUT"] = "fast",
        });

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
        [
            "hawser: configuration error: REQUEST_TIMEOUT must be a whole number of seconds (got 'fast').",
            "hawser: configuration error: Hawser:Listen:Port (PORT) must be from 1 to 65535 (got 70000).",
        ], result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Agent_SocketPathIsAFolder_SaysSoOnOneLine_AndTheBannerNamesTheTrustedProxies()
    {
        // What a bind mount of a missing host socket path leaves in a container.
        var folder = Directory.CreateTempSubdirectory("hawser-not-a-socket-").FullName;
        await using var agent = await AgentProcess.StartAsync(new Dictionary<string, string?>
        {
            ["TOKEN"] = "t",
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["DOCKER_SOCKET"] = folder,
            ["TRUSTED_PROXIES"] = "10.0.0.0/8",
        });
        for (var i = 0; i < 50 && !agent.Log.Contains("[1001]", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        var lines = agent.Log.Split('\n');
        Directory.Delete(folder);

        var warning = Assert.Single(lines, l => l.Contains("[1003]", StringComparison.Ordinal));
        Assert.Contains($"{folder} is a folder, not a socket", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[1001]", StringComparison.Ordinal)
            && l.EndsWith("trusted proxies 10.0.0.0/8", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Agent_UnknownFlag_ExitsTwoWithUsage()
    {
        var result = await AgentProcess.RunToExitAsync(new Dictionary<string, string?>(), "--bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("hawser: unknown argument '--bogus'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage: hawser", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_Version_PrintsItAndExitsZero()
    {
        var result = await AgentProcess.RunToExitAsync(new Dictionary<string, string?>(), "--version");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("hawser version ", result.Stdout, StringComparison.Ordinal);
    }
}
