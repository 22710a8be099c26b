using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Edge;

/// <summary>The tunnel's life: a frozen server is noticed and left, and reconnects leak nothing.</summary>
[Collection(EngineCollection.Name)]
public sealed class EdgeLinkTests(DockerEngineFixture engine)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FrozenServer_SigstoppedRelay_IsNoticedAndLeft()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var dockhand = await FakeDockhand.StartAsync(token);
        var relayPort = AgentProcess.FreePort();
        using var relay = ProcessRunner.Start("socat",
            [$"TCP-LISTEN:{relayPort},bind=127.0.0.1,reuseaddr", $"TCP:127.0.0.1:{dockhand.Port}"]);
        // One connection only (no fork), so stopping this one process freezes the link; the agent's own retries
        // cover socat starting a moment after it.
        await using var agent = await EdgeAgent.StartAsync(engine,
            $"ws://127.0.0.1:{relayPort}/api/hawser/connect", token,
            new Dictionary<string, string?> { ["HAWSER__EDGE__DEADLINKTIMEOUT"] = "00:00:05" });
        await dockhand.WaitForAgentAsync(Wait);
        using var health = agent.Agent.CreateClient(token: null);
        var before = await health.GetFromJsonAsync<JsonElement>("/_hawser/health");

        await Signal("STOP", relay.Id);
        var noticed = await WaitForLogAsync(agent.Agent, "no frame from the server for 5 s", TimeSpan.FromSeconds(30));
        var after = await health.GetFromJsonAsync<JsonElement>("/_hawser/health");
        await Signal("CONT", relay.Id);
        relay.Kill();

        Assert.True(before.GetProperty("connected").GetBoolean());
        Assert.True(noticed, agent.Agent.Log);
        Assert.False(after.GetProperty("connected").GetBoolean());
        Assert.Equal("edge", after.GetProperty("mode").GetString());
    }

    [Fact]
    public async Task FiftyForcedReconnects_SocketAndThreadCountsStayFlat()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var dockhand = await FakeDockhand.StartAsync(token);
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token, new Dictionary<string, string?>
        {
            ["RECONNECT_DELAY"] = null,
            ["MAX_RECONNECT_DELAY"] = null,
            ["HAWSER__EDGE__RECONNECTDELAY"] = "00:00:00.100",
            ["HAWSER__EDGE__MAXRECONNECTDELAY"] = "00:00:00.200",
        });
        var link = await dockhand.WaitForAgentAsync(Wait);
        for (var i = 0; i < 5; i++)
        {
            link = await ReconnectAsync(dockhand, link);
        }

        var (socketsBefore, threadsBefore) = Counts(agent.Agent.Pid);
        for (var i = 0; i < 50; i++)
        {
            link = await ReconnectAsync(dockhand, link);
        }

        var ping = await link.RequestAsync("GET", "/_ping");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (socketsAfter, threadsAfter) = Counts(agent.Agent.Pid);

        Assert.Equal(200, ping.GetProperty("statusCode").GetInt32());
        Assert.True(socketsAfter <= socketsBefore + 2, $"sockets {socketsBefore} -> {socketsAfter}");
        Assert.True(threadsAfter <= threadsBefore + 4, $"threads {threadsBefore} -> {threadsAfter}");
    }

    [Fact]
    public async Task Wss_WithCaCert_ConnectsAndShutdownClosesWith1001()
    {
        await using var tls = await TlsDockhand.StartAsync(engine, trustTheServer: true);

        var link = await tls.Dockhand.WaitForAgentAsync(Wait);
        var ping = await link.RequestAsync("GET", "/_ping");
        var exitCode = await tls.Agent.Agent.TerminateAsync();
        await link.Closed.WaitAsync(Wait);

        Assert.StartsWith("wss://", tls.Dockhand.Url, StringComparison.Ordinal);
        Assert.Equal(200, ping.GetProperty("statusCode").GetInt32());
        Assert.Equal(0, exitCode);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, link.CloseStatus);
    }

    [Fact]
    public async Task Wss_CertificateNotFromCaCert_IsRefused()
    {
        await using var tls = await TlsDockhand.StartAsync(engine, trustTheServer: false);

        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Empty(tls.Dockhand.Hellos);
        Assert.Contains("Cannot connect to Dockhand at wss://127.0.0.1", tls.Agent.Agent.Log, StringComparison.Ordinal);
    }

    /// <summary>A wss:// Dockhand with a self-signed certificate, and an agent whose CA_CERT does or does not hold it.</summary>
    private sealed class TlsDockhand : IAsyncDisposable
    {
        private readonly string _dir;
        private readonly X509Certificate2 _certificate;

        private TlsDockhand(string dir, X509Certificate2 certificate, FakeDockhand dockhand, EdgeAgent agent)
        {
            _dir = dir;
            _certificate = certificate;
            Dockhand = dockhand;
            Agent = agent;
        }

        public FakeDockhand Dockhand { get; }

        public EdgeAgent Agent { get; }

        public static async Task<TlsDockhand> StartAsync(DockerEngineFixture engine, bool trustTheServer)
        {
            var dir = Directory.CreateTempSubdirectory("hawser-wss-").FullName;
            var (certPath, keyPath) = Configuration.HawserOptionsTests.WriteSelfSigned(dir);
            var unrelated = Path.Combine(dir, "unrelated");
            Directory.CreateDirectory(unrelated);
            var (otherCa, _) = Configuration.HawserOptionsTests.WriteSelfSigned(unrelated);
            var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var dockhand = await FakeDockhand.StartAsync(token, certificate: certificate);
            var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token,
                new Dictionary<string, string?> { ["CA_CERT"] = trustTheServer ? certPath : otherCa });
            return new TlsDockhand(dir, certificate, dockhand, agent);
        }

        public async ValueTask DisposeAsync()
        {
            await Agent.DisposeAsync();
            await Dockhand.DisposeAsync();
            _certificate.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task<AgentLink> ReconnectAsync(FakeDockhand dockhand, AgentLink link)
    {
        // An in-flight stream on the old link must end with it, not leak into the next one.
        await link.SendRequestAsync("GET", "/events?since=0", streaming: true);
        link.Abort();
        return await dockhand.WaitForAgentAsync(Wait);
    }

    private static (int Sockets, int Threads) Counts(int pid)
    {
        var sockets = Directory.GetFiles($"/proc/{pid}/fd")
            .Count(fd => new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);
        var threads = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal));
        return (sockets, int.Parse(threads["Threads:".Length..].Trim(), CultureInfo.InvariantCulture));
    }

    private static async Task<bool> WaitForLogAsync(AgentProcess agent, string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (agent.Log.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static async Task Signal(string signal, int pid)
    {
        var result = await ProcessRunner.RunAsync("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.Equal(0, result.ExitCode);
    }
}
