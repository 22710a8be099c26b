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
            // The image has no compose command: Dockhand gets its JSON answer saying so (not a crash on the
            // read-only root).
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Add("X-Hawser-Token", "image-token");
            using var compose = await http.PostAsync("/_hawser/compose", new StringContent(
                """{"operation":"up","projectName":"demo","files":{"compose.yaml":"services: {}\n"}}""",
                System.Text.Encoding.UTF8, "application/json"));
            using var composeBody = System.Text.Json.JsonDocument.Parse(await compose.Content.ReadAsStringAsync());

            Assert.Equal("healthy", health);
            Assert.Contains(status, l => l.StartsWith("Uid:\t10001\t", StringComparison.Ordinal));
            Assert.True(version.ExitCode == 0, version.Output);
            Assert.Matches(@"^\d+\.\d+", version.Stdout.Trim());
            Assert.True(echo.ExitCode == 0, echo.Output);
            Assert.Equal("hello-from-the-image", echo.Stdout.Trim());
            Assert.Contains(name, ps.Stdout.Split('\n'));
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, compose.StatusCode);
            Assert.False(composeBody.RootElement.GetProperty("success").GetBoolean());
            Assert.StartsWith("Docker Compose is not installed",
                composeBody.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
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
            var logs = await AgentImage.DockerAsync(engine, "logs", name);
            Assert.Contains("Permission denied", logs.Output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await AgentImage.DockerAsync(engine, "rm", "-f", name);
        }
    }
}
