using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Deploy;

/// <summary>
/// deploy/Dockerfile built by the test engine, on base images made from this machine's files
/// (tests/engine/base-images.sh, since no registry is reachable), then run as an operator would run it.
/// </summary>
[Collection(EngineCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ContainerImageTests(DockerEngineFixture engine)
{
    private const string Image = "hawser-proxy:test";
    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static string? _builtOn;

    [Fact]
    public async Task Image_IsSmallRunsAsNonRootAndChecksItsOwnHealth()
    {
        await EnsureImageAsync();

        var inspect = await DockerAsync("image", "inspect", Image);
        using var doc = JsonDocument.Parse(inspect.Stdout);
        var image = doc.RootElement[0];
        var config = image.GetProperty("Config");
        var megabytes = image.GetProperty("Size").GetInt64() / 1_000_000.0;

        Assert.True(megabytes < 100, $"image is {megabytes:F1} MB");
        Assert.Equal("10001:10001", config.GetProperty("User").GetString());
        Assert.Equal(["CMD", "/opt/hawser/hawser", "healthcheck"],
            config.GetProperty("Healthcheck").GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Container_ReadOnlyAndNonRoot_IsReportedHealthyAndServesTheDockerCli()
    {
        await EnsureImageAsync();
        var port = AgentProcess.FreePort();
        var name = "hawser-img-" + Guid.NewGuid().ToString("N")[..8];
        var socketGroup = (await ProcessRunner.RunAsync("stat", ["-c", "%g", engine.SocketPath])).Stdout.Trim();

        var run = await DockerAsync("run", "-d", "--name", name, "--network", "host", "--read-only",
            "--group-add", socketGroup,
            "-v", $"{engine.SocketPath}:/var/run/docker.sock", "-e", "TOKEN=image-token",
            "-e", $"PORT={port}", "--health-interval", "1s", Image);
        try
        {
            Assert.True(run.ExitCode == 0, run.Output);
            var health = await WaitForHealthAsync(name, "healthy");
            var pid = (await DockerAsync("inspect", "-f", "{{.State.Pid}}", name)).Stdout.Trim();
            var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");

            using var cli = new DockerCli(port, "image-token");
            var version = await cli.RunAsync("version --format {{.Server.Version}}");
            var echo = await cli.RunAsync("run --rm local/busybox:1 echo hello-from-the-image");
            var ps = await cli.RunAsync("ps --format {{.Names}}");

            Assert.Equal("healthy", health);
            Assert.Contains(status, l => l.StartsWith("Uid:\t10001\t", StringComparison.Ordinal));
            Assert.True(version.ExitCode == 0, version.Output);
            Assert.Matches(@"^\d+\.\d+", version.Stdout.Trim());
            Assert.True(echo.ExitCode == 0, echo.Output);
            Assert.Equal("hello-from-the-image", echo.Stdout.Trim());
            Assert.Contains(name, ps.Stdout.Split('\n'));
        }
        finally
        {
            await DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Container_WithoutTheSocketGroup_IsReportedUnhealthy()
    {
        await EnsureImageAsync();
        var port = AgentProcess.FreePort();
        var name = "hawser-img-" + Guid.NewGuid().ToString("N")[..8];

        // The same run without --group-add: the non-root user cannot open the socket, and the check says so.
        var run = await DockerAsync("run", "-d", "--name", name, "--network", "host", "--read-only",
            "-v", $"{engine.SocketPath}:/var/run/docker.sock", "-e", "TOKEN=image-token", "-e", $"PORT={port}",
            "--health-interval", "1s", "--health-retries", "1", "--health-start-period", "0s", Image);
        try
        {
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Equal("unhealthy", await WaitForHealthAsync(name, "unhealthy"));
        }
        finally
        {
            await DockerAsync("rm", "-f", name);
        }
    }

    private async Task<string> WaitForHealthAsync(string name, string wanted)
    {
        var last = "";
        for (var i = 0; i < 60; i++)
        {
            last = (await DockerAsync("inspect", "-f", "{{.State.Health.Status}}", name)).Stdout.Trim();
            if (last == wanted)
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var logs = await DockerAsync("logs", name);
        return $"{last} after 60 s; agent log:\n{logs.Output}";
    }

    private async Task EnsureImageAsync()
    {
        await BuildLock.WaitAsync();
        try
        {
            if (_builtOn == engine.SocketPath)
            {
                return;
            }

            var bases = await ProcessRunner.RunAsync("bash",
                [Path.Combine(RepositoryPaths.Root, "tests", "engine", "base-images.sh"), engine.SocketPath],
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(bases.ExitCode == 0, bases.Output);

            var build = await ProcessRunner.RunAsync("docker",
                ["build", "-q", "-f", Path.Combine(RepositoryPaths.Root, "deploy", "Dockerfile"),
                    "--build-arg", "SDK_IMAGE=local/dotnet-sdk:10", "--build-arg", "RUNTIME_IMAGE=local/runtime-deps:12",
                    "-t", Image, RepositoryPaths.Root],
                EngineEnvironment(), timeout: TimeSpan.FromMinutes(10));
            Assert.True(build.ExitCode == 0, build.Output);
            _builtOn = engine.SocketPath;
        }
        finally
        {
            BuildLock.Release();
        }
    }

    private Task<ProcessResult> DockerAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("docker", arguments, EngineEnvironment(), timeout: TimeSpan.FromMinutes(2));

    private Dictionary<string, string?> EngineEnvironment() => new()
    {
        ["DOCKER_HOST"] = "unix://" + engine.SocketPath,
        ["DOCKER_CONTEXT"] = null,
        ["DOCKER_CONFIG"] = null,
    };
}
