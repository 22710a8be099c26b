using System.Text.Json;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>
/// The agent's container image, built once per engine from deploy/Dockerfile on base images made from this machine's
/// files (tests/engine/base-images.sh: no registry is reachable here), and the docker CLI talking to that engine.
/// </summary>
internal static class AgentImage
{
    public const string Tag = "hawser-proxy:test";
    private static readonly SemaphoreSlim BuildLock = new(1, 1);
    private static string? _builtOn;

    public static async Task EnsureBuiltAsync(DockerEngineFixture engine)
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
                    "-t", Tag, RepositoryPaths.Root],
                EngineEnvironment(engine), timeout: TimeSpan.FromMinutes(10));
            Assert.True(build.ExitCode == 0, build.Output);
            _builtOn = engine.SocketPath;
        }
        finally
        {
            BuildLock.Release();
        }
    }

    /// <summary>The docker CLI against the test engine itself (not through an agent).</summary>
    public static Task<ProcessResult> DockerAsync(DockerEngineFixture engine, params string[] arguments) =>
        ProcessRunner.RunAsync("docker", arguments, EngineEnvironment(engine), timeout: TimeSpan.FromMinutes(2));

    public static Dictionary<string, string?> EngineEnvironment(DockerEngineFixture engine) => new()
    {
        ["DOCKER_HOST"] = "unix://" + engine.SocketPath,
        ["DOCKER_CONTEXT"] = null,
        ["DOCKER_CONFIG"] = null,
    };

    /// <summary>Group id of the engine's socket, which the non-root agent needs.</summary>
    public static async Task<string> SocketGroupAsync(DockerEngineFixture engine) =>
        (await ProcessRunner.RunAsync("stat", ["-c", "%g", engine.SocketPath])).Stdout.Trim();

    /// <summary>Polls the engine's health status of a container until it is <paramref name="wanted"/> (60 s).</summary>
    public static async Task<string> WaitForHealthAsync(DockerEngineFixture engine, string container, string wanted)
    {
        var last = "";
        for (var i = 0; i < 60; i++)
        {
            last = (await DockerAsync(engine, "inspect", "-f", "{{.State.Health.Status}}", container)).Stdout.Trim();
            if (last == wanted)
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var logs = await DockerAsync(engine, "logs", container);
        return $"{last} after 60 s; agent log:\n{logs.Output}";
    }

    public static async Task<JsonElement> InspectAsync(DockerEngineFixture engine, string kind, string name)
    {
        var inspect = await DockerAsync(engine, kind, "inspect", name);
        Assert.True(inspect.ExitCode == 0, inspect.Output);
        using var doc = JsonDocument.Parse(inspect.Stdout);
        return doc.RootElement[0].Clone();
    }
}
