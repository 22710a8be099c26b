using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Health;

[Collection(EngineCollection.Name)]
public sealed class HealthEndpointTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task HawserHealth_DaemonUpThenStopped_Returns200Then503()
    {
        await using var spare = await SpareEngine.StartAsync();
        await using var session = await StandardAgent.StartAsync(engine, dockerEndpoint: "unix://" + spare.SocketPath);
        using var client = session.Agent.CreateClient(token: null);

        using var up = await client.GetAsync("/_hawser/health");
        var upBody = await up.Content.ReadAsStringAsync();
        using var lbUp = await client.GetAsync("/health");
        var lbUpBody = await lbUp.Content.ReadAsStringAsync();
        await spare.StopAsync();
        using var down = await client.GetAsync("/_hawser/health");
        using var lb = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        Assert.Equal("""{"status":"healthy"}""", upBody);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lbUp.StatusCode);
        Assert.Equal("Healthy", lbUpBody);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lb.StatusCode);
        Assert.Equal("Unhealthy", await lb.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HealthcheckCommand_DaemonUpThenStopped_ExitsZeroThenOne()
    {
        await using var spare = await SpareEngine.StartAsync();
        await using var session = await StandardAgent.StartAsync(engine, dockerEndpoint: "unix://" + spare.SocketPath);
        var settings = new Dictionary<string, string?>
        {
            ["PORT"] = session.Agent.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DOCKER_HOST"] = "unix://" + spare.SocketPath,
        };

        var healthy = await AgentProcess.RunToExitAsync(settings, "healthcheck");
        await spare.StopAsync();
        var unhealthy = await AgentProcess.RunToExitAsync(settings, "healthcheck");
        var nobody = await AgentProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["PORT"] = AgentProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DOCKER_SOCKET"] = "/nonexistent.sock",
        }, "healthcheck");

        Assert.True(healthy.ExitCode == 0, healthy.Output);
        Assert.Equal(1, unhealthy.ExitCode);
        Assert.Equal(1, nobody.ExitCode);
        Assert.StartsWith("hawser healthcheck: no answer on http://127.0.0.1:", nobody.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("127.0.0.2")]
    public async Task HealthcheckCommand_AgentBoundToOneAddress_ProbesThatAddress(string bindAddress)
    {
        await using var session = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["BIND_ADDRESS"] = bindAddress });
        var probe = await AgentProcess.RunToExitAsync(new Dictionary<string, string?>
        {
            ["PORT"] = session.Agent.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["BIND_ADDRESS"] = bindAddress,
            ["TOKEN"] = session.Token,
        }, "healthcheck");

        Assert.True(probe.ExitCode == 0, probe.Output);
    }

    [Fact]
    public async Task DockerRequest_DaemonUnreachable_Returns502WithAMessageAndNoInternals()
    {
        var relay = new RecordingRelay(engine.SocketPath);
        await using var session = await StandardAgent.StartAsync(engine, dockerEndpoint: relay.Endpoint);
        using var client = session.Agent.CreateClient(session.Token);
        await relay.DisposeAsync();

        using var response = await client.GetAsync("/containers/json");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("not reachable", JsonDocument.Parse(body).RootElement.GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HawserInfo_WithToken_ReportsTheFieldsDockhandReads()
    {
        await using var session = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["AGENT_NAME"] = "edge \"box\"", ["AGENT_ID"] = "agent-1" });
        using var client = session.Agent.CreateClient(session.Token);
        using var anonymous = session.Agent.CreateClient(token: null);

        var info = await client.GetFromJsonAsync<JsonElement>("/_hawser/info");
        using var refused = await anonymous.GetAsync("/_hawser/info");

        Assert.Equal("agent-1", info.GetProperty("agentId").GetString());
        Assert.Equal("edge \"box\"", info.GetProperty("agentName").GetString());
        Assert.Equal(await engine.DaemonVersionAsync(), info.GetProperty("dockerVersion").GetString());
        Assert.Equal("standard", info.GetProperty("mode").GetString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("hawserVersion").GetString()));
        Assert.True(info.GetProperty("uptime").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
