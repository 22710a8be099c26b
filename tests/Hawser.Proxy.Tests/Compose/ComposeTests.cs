using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Compose;

/// <summary>Compose stacks with docker-compose v1 against the real engine, in standard and in edge mode.</summary>
[Collection(EngineCollection.Name)]
public sealed class ComposeTests(DockerEngineFixture engine)
{
    private const string TwoServices = """
        services:
          web:
            image: local/busybox:1
            command: sh -c "echo hello-from-web; sleep 600"
            volumes:
              - data:/data
          db:
            image: local/busybox:1
            command: sleep 600
        volumes:
          data: {}
        """;

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task Up_TwoServiceStack_BothContainersRun(string mode)
    {
        await using var stack = await ComposeAgent.StartAsync(engine, mode);

        var (status, result) = await stack.RunAsync(stack.Operation("up", TwoServices));
        var running = await RunningServicesAsync(stack.Project);
        await stack.RunAsync(stack.Operation("down", TwoServices, removeVolumes: true));

        Assert.True(status == 200, result.ToString());
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal(["db", "web"], running);
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task PsAndLogs_AfterUp_ReportTheStack(string mode)
    {
        await using var stack = await ComposeAgent.StartAsync(engine, mode);
        await stack.RunAsync(stack.Operation("up", TwoServices));

        var (_, ps) = await stack.RunAsync(stack.Operation("ps", TwoServices));
        var (_, logs) = await stack.RunAsync(stack.Operation("logs", TwoServices));
        await stack.RunAsync(stack.Operation("down", TwoServices, removeVolumes: true));

        Assert.Contains($"{stack.Project}_web_1", ps.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Contains("hello-from-web", logs.GetProperty("output").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task Down_WithRemoveVolumes_RemovesTheStacksVolume(string mode)
    {
        await using var stack = await ComposeAgent.StartAsync(engine, mode);
        using var daemon = engine.CreateDirectClient();
        await stack.RunAsync(stack.Operation("up", TwoServices));
        using var before = await daemon.GetAsync($"/volumes/{stack.Project}_data");

        var (status, result) = await stack.RunAsync(stack.Operation("down", TwoServices, removeVolumes: true));
        using var after = await daemon.GetAsync($"/volumes/{stack.Project}_data");
        var running = await RunningServicesAsync(stack.Project);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.True(status == 200, result.ToString());
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Empty(running);
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task GitStylePayload_SeveralFilesWithABinaryOne_WrittenByteIdentical(string mode)
    {
        await using var stack = await ComposeAgent.StartAsync(engine, mode);
        var binary = RandomNumberGenerator.GetBytes(4096);
        binary[0] = 0xFF;
        var files = new Dictionary<string, string>
        {
            ["compose.yaml"] = "services:\n  app:\n    image: local/busybox:1\n    command: sleep 600\n",
            ["config/app.conf"] = "greeting=grüß dich\n",
            ["assets/logo.bin"] = "base64:" + Convert.ToBase64String(binary),
        };

        var (status, result) = await stack.RunAsync(stack.Operation("up", files["compose.yaml"], files: files,
            composeFileName: "compose.yaml"));
        var dir = Path.Combine(stack.StacksDir, stack.Project);
        var conf = await File.ReadAllTextAsync(Path.Combine(dir, "config/app.conf"));
        var logo = await File.ReadAllBytesAsync(Path.Combine(dir, "assets/logo.bin"));
        await stack.RunAsync(stack.Operation("down", files["compose.yaml"], files: files, composeFileName: "compose.yaml"));

        Assert.True(status == 200, result.ToString());
        Assert.Equal("greeting=grüß dich\n", conf);
        Assert.Equal(binary, logo);
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task PathEscape_IsRefusedWith400_AndNothingIsWritten(string mode)
    {
        await using var stack = await ComposeAgent.StartAsync(engine, mode);
        var files = new Dictionary<string, string>
        {
            ["compose.yaml"] = "services: {}\n",
            ["../escaped.txt"] = "outside",
        };

        var (status, result) = await stack.RunAsync(stack.Operation("up", "services: {}\n", files: files));

        Assert.Equal(400, status);
        Assert.False(result.GetProperty("success").GetBoolean());
        Assert.Contains("../escaped.txt", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(stack.StacksDir, "escaped.txt")));
        Assert.False(Directory.Exists(Path.Combine(stack.StacksDir, stack.Project)));
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task UnwritableStacksDir_IsAnsweredWithAJsonFailure(string mode)
    {
        // Nothing can be created under /proc, as under a read-only root.
        await using var stack = await ComposeAgent.StartAsync(engine, mode,
            new Dictionary<string, string?> { ["STACKS_DIR"] = "/proc/hawser-stacks" });

        var (status, result) = await stack.RunAsync(stack.Operation("up", "services: {}\n",
            files: new Dictionary<string, string> { ["compose.yaml"] = "services: {}\n" }));

        Assert.Equal(500, status);
        Assert.False(result.GetProperty("success").GetBoolean());
        Assert.StartsWith("compose up failed: ", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("/proc/hawser-stacks", result.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("standard")]
    [InlineData("edge")]
    public async Task HangingCompose_PastComposeTimeout_IsKilledAndReported(string mode)
    {
        // A daemon that accepts connections and never answers: compose waits on it until the agent kills it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                held.Add(await silent.AcceptSocketAsync());
            }
        });
        await using var stack = await ComposeAgent.StartAsync(engine, mode, new Dictionary<string, string?>
        {
            ["COMPOSE_TIMEOUT"] = "3",
            ["DOCKER_SOCKET"] = null,
            ["DOCKER_HOST"] = $"tcp://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}",
        });

        var (status, result) = await stack.RunAsync(stack.Operation("up", TwoServices));
        var children = Children(stack.Pid);

        Assert.Equal(500, status);
        Assert.False(result.GetProperty("success").GetBoolean());
        Assert.Contains("COMPOSE_TIMEOUT", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(children, c => c.Contains("compose", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeletionSync_OnUpAndOnStackRemoval_DeletesOnlyUnchangedFilesItWrote()
    {
        await using var stack = await ComposeAgent.StartAsync(engine, "standard");
        var compose = "services:\n  app:\n    image: local/busybox:1\n    command: sleep 600\n";
        var files = new Dictionary<string, string>
        {
            ["compose.yaml"] = compose,
            ["old/a.txt"] = "a",
            ["changed.txt"] = "original",
        };
        await stack.RunAsync(stack.Operation("up", compose, files: files, composeFileName: "compose.yaml"));
        var dir = Path.Combine(stack.StacksDir, stack.Project);
        await File.WriteAllTextAsync(Path.Combine(dir, "changed.txt"), "edited by hand");

        var sync = stack.Operation("up", compose, files: new() { ["compose.yaml"] = compose }, composeFileName: "compose.yaml");
        sync["filesToDelete"] = new[]
        {
            new { path = "old/a.txt", sha256 = Sha("a") },
            new { path = "changed.txt", sha256 = Sha("original") },
            new { path = "compose.yaml", sha256 = Sha(compose) },
            new { path = "../x", sha256 = Sha("x") },
        };
        var (_, up) = await stack.RunAsync(sync);
        var removal = stack.Operation("down", compose, files: new(), composeFileName: "compose.yaml");
        removal["removeFiles"] = true;
        removal["filesToDelete"] = new[]
        {
            new { path = "compose.yaml", sha256 = Sha(compose) },
            new { path = "changed.txt", sha256 = Sha("edited by hand") },
        };
        var (downStatus, down) = await stack.RunAsync(removal);

        Assert.Equal(["old/a.txt"], up.GetProperty("deletedFiles").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            ["changed.txt:locally-modified", "compose.yaml:load-bearing", "../x:invalid-path"],
            up.GetProperty("skippedFiles").EnumerateArray()
                .Select(e => $"{e.GetProperty("path").GetString()}:{e.GetProperty("reason").GetString()}"));
        Assert.False(Directory.Exists(Path.Combine(dir, "old")));
        Assert.True(downStatus == 200, down.ToString());
        Assert.Equal(2, down.GetProperty("deletedFiles").GetArrayLength());
        Assert.False(Directory.Exists(dir));
    }

    private static string Sha(string text) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    private async Task<List<string>> RunningServicesAsync(string project)
    {
        using var daemon = engine.CreateDirectClient();
        var filter = Uri.EscapeDataString($$"""{"label":["com.docker.compose.project={{project}}"]}""");
        var containers = await daemon.GetFromJsonAsync<JsonElement>($"/containers/json?filters={filter}");
        return [.. containers.EnumerateArray()
            .Select(c => c.GetProperty("Labels").GetProperty("com.docker.compose.service").GetString()!).Order()];
    }

    /// <summary>Command lines of the agent's child processes.</summary>
    private static List<string> Children(int pid) =>
    [
        .. Directory.GetDirectories($"/proc/{pid}/task")
            .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(child => File.Exists($"/proc/{child}/cmdline") ? File.ReadAllText($"/proc/{child}/cmdline") : ""),
    ];
}
