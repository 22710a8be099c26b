using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Edge;

/// <summary>Edge mode end to end: the real agent dials a Dockhand-like server and serves the real engine.</summary>
[Collection(EngineCollection.Name)]
public sealed class EdgeModeTests(DockerEngineFixture engine)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Hello_AfterConnect_CarriesEveryFieldAndAStableAgentId()
    {
        var token = NewToken();
        await using var dockhand = await FakeDockhand.StartAsync(token);
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token,
            new Dictionary<string, string?> { ["AGENT_NAME"] = "edge-box" });

        await dockhand.WaitForAgentAsync(Wait);
        var hello = dockhand.Hellos.Single();

        Assert.Equal("hello", hello.GetProperty("type").GetString());
        Assert.Equal(token, hello.GetProperty("token").GetString());
        Assert.Equal("edge-box", hello.GetProperty("agentName").GetString());
        Assert.Equal(await engine.DaemonVersionAsync(), hello.GetProperty("dockerVersion").GetString());
        Assert.Equal("1.0", hello.GetProperty("protocol").GetString());
        Assert.False(string.IsNullOrEmpty(hello.GetProperty("version").GetString()));
        Assert.False(string.IsNullOrEmpty(hello.GetProperty("hostname").GetString()));
        Assert.True(Guid.TryParse(hello.GetProperty("agentId").GetString(), out _));
        Assert.Equal(["exec", "metrics", "events", "compose"],
            hello.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task UpgradeRequest_ConfiguredExtraHeaders_ReachTheServerAndNotTheLog()
    {
        var token = NewToken();
        await using var dockhand = await FakeDockhand.StartAsync(token);
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token,
            new Dictionary<string, string?> { ["HAWSER__EDGE__HEADERS__X-Proxy-Auth"] = "proxy-secret-1" });

        await dockhand.WaitForAgentAsync(Wait);
        var headers = dockhand.UpgradeHeaders.Single();

        Assert.Equal("proxy-secret-1", headers["X-Proxy-Auth"].ToString());
        Assert.StartsWith("Hawser.Proxy/", headers.UserAgent.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("proxy-secret-1", agent.Agent.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(token, agent.Agent.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListContainers_OverTheTunnel_ReturnsDockersJsonAsText()
    {
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var name = await StartSleeperAsync();

        var response = await tunnel.Link.RequestAsync("GET", "/containers/json?all=true",
            headers: new() { ["Content-Type"] = "application/json" });
        await RemoveAsync(name);

        Assert.Equal(200, response.GetProperty("statusCode").GetInt32());
        Assert.False(response.TryGetProperty("isBinary", out var binary) && binary.GetBoolean());
        var containers = JsonDocument.Parse(response.GetProperty("body").GetString()!).RootElement;
        Assert.Contains(containers.EnumerateArray(), c => c.GetProperty("Id").GetString() == name);
    }

    [Fact]
    public async Task ContainerStart_Answered204_HasNoBodyKey()
    {
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var id = await CreateContainerAsync("sleep", "600");

        var response = await tunnel.Link.RequestAsync("POST", $"/containers/{id}/start");
        await RemoveAsync(id);

        Assert.Equal(204, response.GetProperty("statusCode").GetInt32());
        Assert.False(response.TryGetProperty("body", out _));
    }

    [Fact]
    public async Task LogsFollow_LinesArriveAsWritten_ThenStreamEndCancels()
    {
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var id = await CreateContainerAsync("sh", "-c",
            "echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo second; sleep 600");
        await tunnel.Link.RequestAsync("POST", $"/containers/{id}/start");

        var frames = await tunnel.Link.SendRequestAsync("GET",
            $"/containers/{id}/logs?stdout=true&stderr=true&follow=true&timestamps=false", streaming: true);
        var first = await ReadStreamUntilAsync(frames, "first");
        await ExecDirectAsync(id, "touch", "/tmp/go");
        var second = await ReadStreamUntilAsync(frames, "second");
        await tunnel.Link.SendAsync(new { type = "stream_end", requestId = first.RequestId, reason = "cancelled" });
        var end = await ReadUntilTypeAsync(frames, "stream_end");
        await RemoveAsync(id);

        Assert.Contains("first", first.Text, StringComparison.Ordinal);
        Assert.Contains("second", second.Text, StringComparison.Ordinal);
        Assert.Equal("completed", end.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ExecSession_InputResizeAndEnd_BehaveLikeATerminal()
    {
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var name = await StartSleeperAsync();
        var execId = Guid.NewGuid().ToString();
        var frames = tunnel.Link.Route(execId);

        await tunnel.Link.SendAsync(new { type = "exec_start", execId, containerId = name, cmd = "/bin/sh", user = "root", cols = 120, rows = 30 });
        var ready = await ReadUntilTypeAsync(frames, "exec_ready");
        await tunnel.Link.SendAsync(new { type = "exec_resize", execId, cols = 101, rows = 41 });
        await tunnel.Link.SendAsync(new { type = "exec_input", execId, data = Base64("echo $((6*7)); stty size\n") });
        var output = await ReadExecOutputUntilAsync(frames, "41 101");
        await tunnel.Link.SendAsync(new { type = "exec_input", execId, data = Base64("exit\n") });
        var end = await ReadUntilTypeAsync(frames, "exec_end");
        await RemoveAsync(name);

        Assert.Equal(execId, ready.GetProperty("execId").GetString());
        Assert.Contains("42", output, StringComparison.Ordinal);
        Assert.Equal("container_exit", end.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ArchivePut_Base64TarBody_ArrivesByteIdentical()
    {
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var name = await StartSleeperAsync();
        var content = RandomNumberGenerator.GetBytes(300_000);
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, "upload.bin") { DataStream = new MemoryStream(content) };
            writer.WriteEntry(entry);
        }

        var response = await tunnel.Link.RequestAsync("PUT", $"/containers/{name}/archive?path=%2Ftmp",
            Convert.ToBase64String(tar.ToArray()), isBinary: true, headers: new() { ["Content-Type"] = "application/x-tar" });
        var stored = await ReadFileDirectAsync(name, "/tmp/upload.bin");
        await RemoveAsync(name);

        Assert.Equal(200, response.GetProperty("statusCode").GetInt32());
        Assert.Equal(content, stored);
    }

    [Fact]
    public async Task ImageExport_Streamed_ArrivesByteIdenticalInFlatMemory_AndUnstreamedGets413()
    {
        await engine.EnsureBigImageAsync(220);
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var expected = await DirectHashAsync("/images/local/big:1/get");
        var baseline = tunnel.Agent.Agent.ResidentBytes();
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, tunnel.Agent.Agent.ResidentBytes());
                await Task.Delay(50);
            }
        });

        var frames = await tunnel.Link.SendRequestAsync("GET", "/images/local/big:1/get", streaming: true);
        var (hash, length) = await HashStreamAsync(frames);
        await sampling.CancelAsync();
        await sampler;
        var refused = await tunnel.Link.RequestAsync("GET", "/images/local/big:1/get", timeout: TimeSpan.FromMinutes(2));
        var after = await tunnel.Link.RequestAsync("GET", "/_ping");

        Assert.True(length > 200L * 1024 * 1024, $"exported {length} bytes");
        Assert.Equal(expected, hash);
        Assert.True(peak - baseline < 64L * 1024 * 1024,
            $"agent RSS grew by {(peak - baseline) / (1024 * 1024)} MB (baseline {baseline / (1024 * 1024)} MB)");
        Assert.Equal(413, refused.GetProperty("statusCode").GetInt32());
        Assert.Contains("stream", JsonDocument.Parse(refused.GetProperty("body").GetString()!).RootElement
            .GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, after.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task HundredRequestsInFlight_PingsStillAnsweredWithinASecond()
    {
        await using var tunnel = await Tunnel.OpenAsync(engine);
        var id = await CreateContainerAsync("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done");
        await tunnel.Link.RequestAsync("POST", $"/containers/{id}/start");

        var waits = new List<Task<JsonElement>>();
        for (var i = 0; i < 100; i++)
        {
            var frames = await tunnel.Link.SendRequestAsync("POST", $"/containers/{id}/wait");
            waits.Add(frames.ReadAsync().AsTask());
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var inFlight = waits.Count(w => !w.IsCompleted);
        await tunnel.Link.PingAsync();
        var pongDelay = await tunnel.Link.PongDelays.ReadAsync().AsTask().WaitAsync(Wait);
        await ExecDirectAsync(id, "touch", "/tmp/go");
        var answers = await Task.WhenAll(waits).WaitAsync(Wait);
        await RemoveAsync(id);

        Assert.Equal(100, inFlight);
        Assert.True(pongDelay < TimeSpan.FromSeconds(1), $"pong after {pongDelay}");
        Assert.All(answers, a => Assert.Equal(200, a.GetProperty("statusCode").GetInt32()));
    }

    [Fact]
    public async Task NonStreamingRequest_PastRequestTimeout_Answered504AndTheLinkStaysUp()
    {
        var token = NewToken();
        await using var dockhand = await FakeDockhand.StartAsync(token);
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token,
            new Dictionary<string, string?> { ["REQUEST_TIMEOUT"] = "2" });
        var link = await dockhand.WaitForAgentAsync(Wait);
        var id = await StartSleeperAsync();

        var response = await link.RequestAsync("POST", $"/containers/{id}/wait", timeout: TimeSpan.FromSeconds(20));
        var after = await link.RequestAsync("GET", "/_ping");
        await RemoveAsync(id);

        Assert.Equal(504, response.GetProperty("statusCode").GetInt32());
        Assert.Contains("REQUEST_TIMEOUT", response.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, after.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task ServerRestart_AgentReconnectsWithinTheBackOff()
    {
        var token = NewToken();
        var dockhand = await FakeDockhand.StartAsync(token);
        var port = dockhand.Port;
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token);
        await dockhand.WaitForAgentAsync(Wait);

        await dockhand.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await using var restarted = await FakeDockhand.StartAsync(token, port);
        var link = await restarted.WaitForAgentAsync(TimeSpan.FromSeconds(10));
        var ping = await link.RequestAsync("GET", "/_ping");

        Assert.Equal(200, ping.GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task BadToken_OneClearLogLineAndNoHammering()
    {
        await using var dockhand = await FakeDockhand.StartAsync(NewToken());
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, "wrong-token");

        await Task.Delay(TimeSpan.FromSeconds(8));
        var log = agent.Agent.Log;

        Assert.Equal(1, dockhand.Attempts);
        Assert.Contains("Dockhand refused the token (Invalid token). Set TOKEN", log, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", log, StringComparison.Ordinal);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private sealed record StreamText(string RequestId, string Text);

    private static async Task<StreamText> ReadStreamUntilAsync(ChannelReader<JsonElement> frames, string text)
    {
        var seen = new StringBuilder();
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            var frame = await frames.ReadAsync(timeout.Token);
            var type = frame.GetProperty("type").GetString();
            Assert.True(type == "stream", $"expected stream data, got {frame}");
            seen.Append(Encoding.UTF8.GetString(Convert.FromBase64String(frame.GetProperty("data").GetString()!)));
            if (seen.ToString().Contains(text, StringComparison.Ordinal))
            {
                return new StreamText(frame.GetProperty("requestId").GetString()!, seen.ToString());
            }
        }
    }

    private static async Task<JsonElement> ReadUntilTypeAsync(ChannelReader<JsonElement> frames, string type)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (true)
        {
            var frame = await frames.ReadAsync(timeout.Token);
            if (frame.GetProperty("type").GetString() == type)
            {
                return frame;
            }

            Assert.NotEqual("error", frame.GetProperty("type").GetString());
        }
    }

    private static async Task<string> ReadExecOutputUntilAsync(ChannelReader<JsonElement> frames, string text)
    {
        var seen = new StringBuilder();
        using var timeout = new CancellationTokenSource(Wait);
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            var frame = await frames.ReadAsync(timeout.Token);
            Assert.Equal("exec_output", frame.GetProperty("type").GetString());
            seen.Append(Encoding.UTF8.GetString(Convert.FromBase64String(frame.GetProperty("data").GetString()!)));
        }

        return seen.ToString();
    }

    private static async Task<(string Hash, long Length)> HashStreamAsync(ChannelReader<JsonElement> frames)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var frame = await frames.ReadAsync(timeout.Token);
            var type = frame.GetProperty("type").GetString();
            if (type == "stream_end")
            {
                return (Convert.ToHexString(sha.GetHashAndReset()), length);
            }

            Assert.Equal("stream", type);
            var data = Convert.FromBase64String(frame.GetProperty("data").GetString()!);
            sha.AppendData(data);
            length += data.Length;
        }
    }

    private async Task<string> DirectHashAsync(string path)
    {
        using var client = engine.CreateDirectClient();
        await using var stream = await client.GetStreamAsync(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }

    private async Task<string> StartSleeperAsync()
    {
        using var client = engine.CreateDirectClient();
        return await DirectDocker.RunAsync(client, "sleep", "600");
    }

    private async Task<string> CreateContainerAsync(params string[] cmd)
    {
        using var client = engine.CreateDirectClient();
        return await DirectDocker.CreateAsync(client, cmd);
    }

    private async Task ExecDirectAsync(string id, params string[] cmd)
    {
        using var client = engine.CreateDirectClient();
        using var created = await client.PostAsync($"/containers/{id}/exec", new StringContent(
            JsonSerializer.Serialize(new { Cmd = cmd }), Encoding.UTF8, "application/json"));
        var execId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("Id").GetString();
        using var started = await client.PostAsync($"/exec/{execId}/start", new StringContent(
            """{"Detach":true}""", Encoding.UTF8, "application/json"));
        started.EnsureSuccessStatusCode();
    }

    private async Task<byte[]> ReadFileDirectAsync(string id, string path)
    {
        using var client = engine.CreateDirectClient();
        await using var tar = await client.GetStreamAsync($"/containers/{id}/archive?path={Uri.EscapeDataString(path)}");
        using var reader = new TarReader(tar);
        var entry = await reader.GetNextEntryAsync() ?? throw new InvalidOperationException("empty archive");
        using var copy = new MemoryStream();
        await entry.DataStream!.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task RemoveAsync(string id)
    {
        using var client = engine.CreateDirectClient();
        await DirectDocker.RemoveAsync(client, id);
    }

    /// <summary>A fake Dockhand with one edge agent connected to it.</summary>
    private sealed class Tunnel : IAsyncDisposable
    {
        private Tunnel(FakeDockhand dockhand, EdgeAgent agent, AgentLink link)
        {
            Dockhand = dockhand;
            Agent = agent;
            Link = link;
        }

        public FakeDockhand Dockhand { get; }

        public EdgeAgent Agent { get; }

        public AgentLink Link { get; }

        public static async Task<Tunnel> OpenAsync(DockerEngineFixture engine)
        {
            var token = NewToken();
            var dockhand = await FakeDockhand.StartAsync(token);
            var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token);
            var link = await dockhand.WaitForAgentAsync(Wait);
            return new Tunnel(dockhand, agent, link);
        }

        public async ValueTask DisposeAsync()
        {
            await Agent.DisposeAsync();
            await Dockhand.DisposeAsync();
        }
    }
}
