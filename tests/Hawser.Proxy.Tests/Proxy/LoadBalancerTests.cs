using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Proxy;

/// <summary>Behind a load balancer: forwarded headers from trusted proxies only, and the drain on SIGTERM.</summary>
[Collection(EngineCollection.Name)]
public sealed class LoadBalancerTests(DockerEngineFixture engine)
{
    // /metrics is open to loopback and needs the token from elsewhere, so its answer shows whom the agent believes
    // the client is: the TCP peer (127.0.0.1) or the address the proxy forwarded.
    [Theory]
    [InlineData(null, HttpStatusCode.OK)]
    [InlineData("10.0.0.0/8", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.Unauthorized)]
    [InlineData("::1, 127.0.0.0/8", HttpStatusCode.Unauthorized)]
    public async Task ForwardedFor_IsBelievedOnlyFromATrustedProxy(string? trustedProxies, HttpStatusCode expected)
    {
        await using var agent = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = trustedProxies });
        using var client = agent.Agent.CreateClient(token: null);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var forwarded = await client.SendAsync(request);
        using var direct = await client.GetAsync("/metrics");

        Assert.Equal(expected, forwarded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
    }

    [Fact]
    public async Task ForwardedFor_FromATrustedProxy_NamesTheNearestUntrustedHopAsTheClient()
    {
        await using var agent = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = "127.0.0.1", ["LOG_LEVEL"] = "debug" });
        using var client = agent.Agent.CreateClient("wrong-token");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/containers/json");
        request.Headers.Add("X-Forwarded-For", "198.51.100.23, 203.0.113.7");
        using var response = await client.SendAsync(request);
        await Task.Delay(300);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // The proxy appended 203.0.113.7, the address it saw; the entry left of it is whatever the client claimed.
        Assert.Contains("from 203.0.113.7", agent.Agent.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("198.51.100.23", agent.Agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_LetsARequestInFlightFinishAndRefusesNewConnections()
    {
        await using var agent = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "30" });
        using var daemon = engine.CreateDirectClient();
        var id = await DirectDocker.RunAsync(daemon, "sleep", "4");
        try
        {
            using var client = agent.Agent.CreateClient(agent.Token);
            // Docker sends the head of a wait at once and the body when the container exits.
            using var wait = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/containers/{id}/wait"),
                HttpCompletionOption.ResponseHeadersRead);
            var body = wait.Content.ReadAsStringAsync();

            var exit = agent.Agent.TerminateAsync();
            var refused = await ConnectionRefusedWithinAsync(agent.Agent.Port, TimeSpan.FromSeconds(3));
            var exitedBeforeTheContainer = exit.IsCompleted;

            Assert.True(refused, "the listener still accepted connections 3 s after SIGTERM");
            Assert.False(exitedBeforeTheContainer);
            Assert.Contains("\"StatusCode\":0", await body, StringComparison.Ordinal);
            Assert.Equal(0, await exit);
            Assert.Contains("Stopping: no new connections", agent.Agent.Log, StringComparison.Ordinal);
        }
        finally
        {
            await DirectDocker.RemoveAsync(daemon, id);
        }
    }

    [Fact]
    public async Task Sigterm_WithEndlessStreamsOpen_CutsThemAfterTheDrainTimeout()
    {
        await using var agent = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "2" });
        var sleeper = await agent.Cli.StartSleeperAsync();
        try
        {
            using var client = agent.Agent.CreateClient(agent.Token);
            using var events = await client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
            var eventStream = await events.Content.ReadAsStreamAsync();
            // A raw exec session through the hijack path, silent until it is cut.
            using var exec = agent.Cli.Start($"exec {sleeper} sleep 600");
            await WaitForExecAsync(agent, sleeper);

            var clock = Stopwatch.StartNew();
            var exitCode = await agent.Agent.TerminateAsync();
            var stoppedAfter = clock.Elapsed;
            var eventsEnded = await StreamEndsAsync(eventStream);
            var execEnded = exec.WaitForExit(TimeSpan.FromSeconds(10));

            Assert.Equal(0, exitCode);
            Assert.InRange(stoppedAfter, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
            Assert.True(eventsEnded, "the events stream stayed open after the agent exited");
            Assert.True(execEnded, "docker exec kept running after the agent exited");
        }
        finally
        {
            using var daemon = engine.CreateDirectClient();
            await DirectDocker.RemoveAsync(daemon, sleeper);
        }
    }

    [Fact]
    public async Task Sigterm_WithAnIdleConnectionOpen_DoesNotWaitOutTheDrain()
    {
        await using var agent = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "20" });
        // A balancer's TCP check or a spare pooled connection: connected, nothing sent yet.
        using var idle = new TcpClient();
        await idle.ConnectAsync(IPAddress.Loopback, agent.Agent.Port);
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        var exitCode = await agent.Agent.TerminateAsync();

        Assert.Equal(0, exitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task WaitForExecAsync(StandardAgent agent, string container)
    {
        for (var i = 0; i < 100; i++)
        {
            var top = await agent.Cli.RunAsync($"top {container}");
            // The container's own sleep and the exec's.
            if (top.Stdout.Split('\n').Count(l => l.Contains("sleep 600", StringComparison.Ordinal)) >= 2)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the exec session did not start");
    }

    private static async Task<bool> ConnectionRefusedWithinAsync(int port, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task<bool> StreamEndsAsync(Stream stream)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (HttpRequestException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
