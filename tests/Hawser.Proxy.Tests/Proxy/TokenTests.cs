using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Proxy;

/// <summary>The token guards every Docker path, and it never reaches the daemon or the agent's log.</summary>
[Collection(EngineCollection.Name)]
public sealed class TokenTests(DockerEngineFixture engine)
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task DockerRequest_MissingOrWrongToken_Returns401WithAJsonMessage(string? token)
    {
        await using var session = await StandardAgent.StartAsync(engine);
        using var client = session.Agent.CreateClient(token);

        using var response = await client.GetAsync("/containers/json");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Unauthorized", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerCli_WrongToken_FailsWith401()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        using var cli = new DockerCli(session.Agent.Port, "wrong-token");

        var result = await cli.RunAsync("ps");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Unauthorized", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecUpgrade_WithoutToken_Returns401AndNeverStarts()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();
        var execId = await CreateExecAsync(session, name);

        var reply = await RawExecStartAsync(session.Agent.Port, execId, token: null);
        await session.Cli.RemoveAsync(name);

        Assert.StartsWith("HTTP/1.1 401", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_InHeaderQueryAndExecUpgrade_NeverReachesTheDaemonOrTheLog()
    {
        await using var relay = new RecordingRelay(engine.SocketPath);
        await using var session = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["LOG_LEVEL"] = "debug" }, relay.Endpoint);
        var name = await session.Cli.StartSleeperAsync();
        using var anonymous = session.Agent.CreateClient(token: null);

        var ps = await session.Cli.RunAsync("ps");
        using var byQuery = await anonymous.GetAsync($"/containers/json?all=1&token={session.Token}");
        using var byUpperQuery = await anonymous.GetAsync($"/containers/json?TOKEN={session.Token}&size=0");
        var execId = await CreateExecAsync(session, name);
        var upgrade = await RawExecStartAsync(session.Agent.Port, execId, session.Token);
        await session.Cli.RemoveAsync(name);

        Assert.True(ps.ExitCode == 0, ps.Output);
        Assert.Equal(HttpStatusCode.OK, byQuery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byUpperQuery.StatusCode);
        Assert.Contains("GET /containers/json?size=0 HTTP/1.1", relay.Recorded, StringComparison.Ordinal);
        var proxied = relay.Recorded[relay.Recorded.IndexOf("GET /containers/json?all=1 ", StringComparison.Ordinal)..];
        Assert.Contains("\r\nHost: localhost\r\n", proxied[..(proxied.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2)],
            StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 101", upgrade, StringComparison.Ordinal);
        Assert.Contains("GET /containers/json?all=1 HTTP/1.1", relay.Recorded, StringComparison.Ordinal);
        Assert.Contains($"/exec/{execId}/start", relay.Recorded, StringComparison.Ordinal);
        Assert.DoesNotContain(session.Token, relay.Recorded, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Hawser-Token", relay.Recorded, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(session.Token, session.Agent.Log, StringComparison.Ordinal);
    }

    internal static async Task<string> CreateExecAsync(StandardAgent session, string container, params string[] cmd)
    {
        using var client = session.Agent.CreateClient(session.Token);
        using var response = await client.PostAsJsonAsync($"/containers/{container}/exec", new
        {
            Cmd = cmd.Length == 0 ? new[] { "echo", "from-exec" } : cmd,
            AttachStdin = cmd.Length > 0,
            AttachStdout = true,
            AttachStderr = true,
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("Id").GetString()!;
    }

    /// <summary>Dockhand's terminal request, byte for byte (spec 2.8), on a fresh connection.</summary>
    internal static async Task<string> RawExecStartAsync(
        int port,
        string execId,
        string? token,
        string extraHeaders = "",
        string? stdinThenHalfClose = null,
        bool tty = true)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var body = tty ? """{"Detach":false,"Tty":true}""" : """{"Detach":false,"Tty":false}""";
        var request = $"POST /exec/{execId}/start HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + (token is null ? "" : $"X-Hawser-Token: {token}\r\n") + extraHeaders
            + $"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: {body.Length}\r\n\r\n{body}";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request + stdinThenHalfClose));
        if (stdinThenHalfClose is not null)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return received.ToString();
            }

            received.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
    }
}
