using System.Globalization;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Deploy;

/// <summary>
/// The root docker-compose.yml brought up on the test engine with docker-compose, each profile in turn. An override
/// file changes only what this machine needs: the image built by the tests, a 1 s health interval, and (edge) the
/// host network, so the agent reaches the Dockhand stand-in on 127.0.0.1; the test engine's socket comes in through
/// the file's own DOCKER_SOCK.
/// </summary>
[Collection(EngineCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ComposeFileTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task StandardProfile_Up_IsHealthyLockedDownAndServesTheDockerCli()
    {
        await AgentImage.EnsureBuiltAsync(engine);
        var port = AgentProcess.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["TOKEN"] = "compose-token",
            // Published on loopback only, which the file allows through HAWSER_PORT.
            ["HAWSER_PORT"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"),
        };

        await using var project = await ComposeProject.UpAsync(engine, "standard", "hawser", "", settings);
        var health = await AgentImage.WaitForHealthAsync(engine, project.ContainerId, "healthy");
        var container = await AgentImage.InspectAsync(engine, "container", project.ContainerId);
        var host = container.GetProperty("HostConfig");
        using var cli = new DockerCli(port, "compose-token");
        var echo = await cli.RunAsync("run --rm local/busybox:1 echo through-compose");

        Assert.Equal("healthy", health);
        Assert.True(echo.ExitCode == 0, echo.Output);
        Assert.Equal("through-compose", echo.Stdout.Trim());
        Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.Contains("ALL", host.GetProperty("CapDrop").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("unless-stopped", host.GetProperty("RestartPolicy").GetProperty("Name").GetString());
        Assert.Equal(256L * 1024 * 1024, host.GetProperty("Memory").GetInt64());
        Assert.Equal([await AgentImage.SocketGroupAsync(engine)],
            host.GetProperty("GroupAdd").EnumerateArray().Select(g => g.GetString()));
    }

    [Fact]
    public async Task EdgeProfile_Up_DialsDockhandAndServesItsRequests()
    {
        await AgentImage.EnsureBuiltAsync(engine);
        await using var dockhand = await FakeDockhand.StartAsync("compose-edge-token");
        var healthPort = AgentProcess.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["TOKEN"] = "compose-edge-token",
            ["DOCKHAND_SERVER_URL"] = dockhand.Url,
        };
        var extra = string.Create(CultureInfo.InvariantCulture,
            $"    network_mode: host\n    environment:\n      PORT: \"{healthPort}\"\n");

        await using var project = await ComposeProject.UpAsync(engine, "edge", "hawser-edge", extra, settings);
        var link = await dockhand.WaitForAgentAsync(TimeSpan.FromSeconds(60));
        var ping = await link.RequestAsync("GET", "/_ping");
        var health = await AgentImage.WaitForHealthAsync(engine, project.ContainerId, "healthy");

        Assert.Equal(200, ping.GetProperty("statusCode").GetInt32());
        Assert.Equal("healthy", health);
    }

    [Fact]
    public async Task WithoutDockerGid_ComposeRefusesWithTheWayOut()
    {
        var environment = AgentImage.EngineEnvironment(engine);
        environment["TOKEN"] = "compose-token";
        environment["DOCKER_GID"] = null;

        var config = await ProcessRunner.RunAsync("docker-compose",
            ["-f", Path.Combine(RepositoryPaths.Root, "docker-compose.yml"), "--profile", "standard", "config"],
            environment);

        Assert.NotEqual(0, config.ExitCode);
        Assert.Contains("set DOCKER_GID to the group id of the Docker socket", config.Output, StringComparison.Ordinal);
    }

    /// <summary>One docker-compose project from the root file plus an override; <c>down -v</c> on dispose.</summary>
    private sealed class ComposeProject : IAsyncDisposable
    {
        private readonly string[] _files;
        private readonly string _dir;
        private readonly Dictionary<string, string?> _environment;

        private ComposeProject(string dir, string[] files, Dictionary<string, string?> environment)
        {
            _dir = dir;
            _files = files;
            _environment = environment;
        }

        public string ContainerId { get; private set; } = "";

        public static async Task<ComposeProject> UpAsync(DockerEngineFixture engine, string profile, string service,
            string extraOverride, IDictionary<string, string?> settings)
        {
            var dir = Directory.CreateTempSubdirectory("hawser-compose-file-").FullName;
            var overrideFile = Path.Combine(dir, "override.yml");
            await File.WriteAllTextAsync(overrideFile,
                $"services:\n  {service}:\n    image: {AgentImage.Tag}\n"
                + "    healthcheck:\n      interval: 1s\n" + extraOverride);
            var environment = AgentImage.EngineEnvironment(engine);
            environment["DOCKER_GID"] = await AgentImage.SocketGroupAsync(engine);
            environment["DOCKER_SOCK"] = engine.SocketPath;
            foreach (var (key, value) in settings)
            {
                environment[key] = value;
            }

            string[] files = ["-f", Path.Combine(RepositoryPaths.Root, "docker-compose.yml"), "-f", overrideFile,
                "-p", "hawsertest" + Guid.NewGuid().ToString("N")[..8], "--profile", profile];
            var project = new ComposeProject(dir, files, environment);
            var up = await project.RunAsync("up", "-d", "--no-build");
            if (up.ExitCode != 0)
            {
                await project.DisposeAsync();
                Assert.Fail("docker-compose up failed:\n" + up.Output);
            }

            project.ContainerId = (await project.RunAsync("ps", "-q", service)).Stdout.Trim();
            Assert.NotEqual("", project.ContainerId);
            return project;
        }

        public async ValueTask DisposeAsync()
        {
            await RunAsync("down", "-v", "--timeout", "5");
            Directory.Delete(_dir, recursive: true);
        }

        private Task<ProcessResult> RunAsync(params string[] arguments) =>
            ProcessRunner.RunAsync("docker-compose", [.. _files, .. arguments], _environment,
                timeout: TimeSpan.FromMinutes(2));
    }
}
