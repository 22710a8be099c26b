using System.Diagnostics;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Proxy;

/// <summary>The real docker CLI manages the real test engine through the agent in standard mode.</summary>
[Collection(EngineCollection.Name)]
public sealed class StandardModeCliTests(DockerEngineFixture engine)
{
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task DockerVersion_ThroughAgent_ReportsTheDaemonsVersion()
    {
        await using var session = await StandardAgent.StartAsync(engine);

        var result = await session.Cli.RunAsync("version --format {{.Server.Version}}");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(await engine.DaemonVersionAsync(), result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerPs_ThroughAgent_ListsARunningContainer()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();

        var result = await session.Cli.RunAsync("ps --format {{.Names}}");
        await session.Cli.RemoveAsync(name);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains(name, result.Stdout.Split('\n'));
    }

    [Fact]
    public async Task DockerRun_EchoHi_PrintsHi()
    {
        await using var session = await StandardAgent.StartAsync(engine);

        var result = await session.Cli.RunAsync("run --rm local/busybox:1 echo hi");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("hi", result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerLogsFollow_LinesWrittenLater_ArriveWhileTheStreamStaysOpen()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync(
            "sh", "-c", "echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo second; sleep 600");
        using var logs = session.Cli.Start($"logs -f {name}");
        var lines = new LineReader(logs);

        var first = await lines.WaitForAsync("first", LineTimeout);
        var exec = await session.Cli.RunAsync($"exec {name} touch /tmp/go");
        var second = await lines.WaitForAsync("second", LineTimeout);
        var stillFollowing = !logs.HasExited;
        logs.Kill();
        await session.Cli.RemoveAsync(name);

        Assert.Equal("first", first);
        Assert.True(exec.ExitCode == 0, exec.Output);
        Assert.Equal("second", second);
        Assert.True(stillFollowing);
    }

    [Fact]
    public async Task DockerExec_WithoutStdin_PrintsTheCommandsOutput()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();

        var result = await session.Cli.RunAsync($"exec {name} ps");
        await session.Cli.RemoveAsync(name);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("sleep 600", result.Stdout);
    }

    [Fact]
    public async Task DockerExecInteractive_StdinEnds_CatPrintsItAndExits()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();

        var result = await session.Cli.RunAsync($"exec -i {name} cat", stdin: "hi\n", timeout: TimeSpan.FromSeconds(30));
        await session.Cli.RemoveAsync(name);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("hi", result.Stdout.Trim());
    }

    [Fact]
    public async Task DockerExecTty_UnderAPty_RunsATypedCommand()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();

        // script(1) gives the CLI a real pty; the typed text is what a user would enter at the shell prompt.
        var result = await session.Cli.ShellAsync($"script -qfec 'docker exec -it {name} sh' /dev/null",
            stdin: "echo $((40+2))\nexit\n", timeout: TimeSpan.FromSeconds(30));
        await session.Cli.RemoveAsync(name);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("42", result.Stdout.Split('\n').Select(l => l.Trim()));
    }

    [Fact]
    public async Task DockerEvents_SilentLongerThanTheRequestTimeout_StillDeliversTheNextEvent()
    {
        await using var session = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["REQUEST_TIMEOUT"] = "2" });
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        using var events = session.Cli.Start(
            "events --filter type=container --filter event=start --format {{.Actor.Attributes.name}}");
        var lines = new LineReader(events);

        await Task.Delay(TimeSpan.FromSeconds(5));
        var run = await session.Cli.RunAsync($"run --rm --name {name} local/busybox:1 true");
        var line = await lines.WaitForAsync(name, LineTimeout);
        events.Kill();

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal(name, line.Trim());
    }

    [Fact]
    public async Task DockerCp_BothWays_ReturnsTheSameBytes()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();
        var dir = Directory.CreateTempSubdirectory("hawser-cp-").FullName;
        var original = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(original);
        await File.WriteAllBytesAsync(Path.Combine(dir, "in.bin"), original);

        var upload = await session.Cli.RunAsync($"cp {Path.Combine(dir, "in.bin")} {name}:/tmp/copied.bin");
        var download = await session.Cli.RunAsync($"cp {name}:/tmp/copied.bin {Path.Combine(dir, "out.bin")}");
        var roundTripped = await File.ReadAllBytesAsync(Path.Combine(dir, "out.bin"));
        await session.Cli.RemoveAsync(name);
        Directory.Delete(dir, recursive: true);

        Assert.True(upload.ExitCode == 0, upload.Output);
        Assert.True(download.ExitCode == 0, download.Output);
        Assert.Equal(original, roundTripped);
    }

    [Fact]
    public async Task DockerSaveIntoLoad_220MbImage_AgentResidentMemoryGrowsLessThan64Mb()
    {
        await engine.EnsureBigImageAsync(220);
        await using var session = await StandardAgent.StartAsync(engine);
        await session.Cli.RunAsync("version");
        var baseline = session.Agent.ResidentBytes();
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, session.Agent.ResidentBytes());
                await Task.Delay(50);
            }
        });

        var result = await session.Cli.ShellAsync("docker save local/big:1 | docker load",
            timeout: TimeSpan.FromMinutes(5));
        await sampling.CancelAsync();
        await sampler;

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("local/big:1", result.Stdout);
        Assert.True(peak - baseline < 64L * 1024 * 1024,
            $"agent RSS grew by {(peak - baseline) / (1024 * 1024)} MB (baseline {baseline / (1024 * 1024)} MB)");
    }
}
