using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Deploy;

/// <summary>deploy/Dockerfile built by the test engine (see <see cref="AgentImage"/>), then run as an operator would.</summary>
[Collection(EngineCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ContainerImageTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task Image_IsSmallRunsAsNonRootAndChecksItsOwnHealth()
    {
        await AgentImage.EnsureBuiltAsync(engine);

        var image = await AgentImage.InspectAsync(engine, "image", AgentImage.Tag);
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
        await AgentImage.EnsureBuiltAsync(engine);
        var port = AgentProcess.FreePort();
        var name = "hawser-img-" + Guid.NewGuid().ToString("N")[..8];

        var run = await AgentImage.DockerAsync(engine, "run", "-d", "--name", name, "--network", "host",
            "--read-only", "--group-add", await AgentImage.SocketGroupAsync(engine),
            "-v", $"{engine.SocketPath}:/var/run/docker.sock", "-e", "TOKEN=image-token",
            "-e", $"PORT={port}", "--health-interval", "1s", AgentImage.Tag);
        try
        {
            Assert.True(run.ExitCode == 0, run.Output);
            var health = await AgentImage.WaitForHealthAsync(engine, name, "healthy");
            var pid = (await AgentImage.DockerAsync(engine, "inspect", "-f", "{{.State.Pid}}", name)).Stdout.Trim();
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
            await AgentImage.DockerAsync(engine, "rm", "-f", name);
        }
    }

    [Fact]
    public async Task Container_WithoutTheSocketGroup_IsReportedUnhealthy()
    {
        await AgentImage.EnsureBuiltAsync(engine);
        var port = AgentProcess.FreePort();
        var name = "hawser-img-" + Guid.NewGuid().ToString("N")[..8];

        // The same run without --group-add: the non-root user cannot open the socket, and the check says so.
        var run = await AgentImage.DockerAsync(engine, "run", "-d", "--name", name, "--network", "host",
            "--read-only", "-v", $"{engine.SocketPath}:/var/run/docker.sock", "-e", "TOKEN=image-token",
            "-e", $"PORT={port}", "--health-interval", "1s", "--health-retries", "1", "--health-start-period", "0s",
            AgentImage.Tag);
        try
        {
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Equal("unhealthy", await AgentImage.WaitForHealthAsync(engine, name, "unhealthy"));
        }
        finally
        {
            await AgentImage.DockerAsync(engine, "rm", "-f", name);
        }
    }
}
