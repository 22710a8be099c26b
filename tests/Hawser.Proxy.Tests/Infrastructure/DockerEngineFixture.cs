using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>
/// One real Docker engine (Debian's dockerd) for the whole test run, started by tests/engine/engine.sh and stopped by
/// its PID afterwards. With HAWSER_TEST_DOCKER_SOCKET set, that engine is used and left running. A missing engine
/// fails the tests; it never skips them.
/// </summary>
public sealed class DockerEngineFixture : IAsyncLifetime
{
    // One folder per test run, so two runs on one machine (a developer and CI) never share or stop each other's engine.
    private static readonly string EngineDir = $"/tmp/hawser-test-engine-{Environment.ProcessId}";
    private bool _owned;

    public string SocketPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var existing = Environment.GetEnvironmentVariable("HAWSER_TEST_DOCKER_SOCKET");
        if (!string.IsNullOrEmpty(existing))
        {
            SocketPath = existing;
        }
        else
        {
            var result = await ProcessRunner.RunAsync("bash", [RepositoryPaths.EngineScript, "start", EngineDir],
                timeout: TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    "The test Docker engine did not start (tests/engine/engine.sh start). Install docker.io and "
                    + "busybox-static, or set HAWSER_TEST_DOCKER_SOCKET.\n" + result.Output);
            }

            SocketPath = result.Stdout.Trim().Split('\n')[^1];
            _owned = true;
        }

        using var client = CreateDirectClient();
        using var ping = await client.GetAsync("/_ping");
        ping.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        if (_owned)
        {
            await ProcessRunner.RunAsync("bash", [RepositoryPaths.EngineScript, "stop", EngineDir],
                timeout: TimeSpan.FromMinutes(1));
            await ProcessRunner.RunAsync("rm", ["-rf", EngineDir], timeout: TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>Imports local/big:1 (busybox plus <paramref name="megabytes"/> MB of random data) once.</summary>
    public async Task EnsureBigImageAsync(int megabytes)
    {
        var dir = Path.GetDirectoryName(SocketPath)!;
        var result = await ProcessRunner.RunAsync("bash",
            [RepositoryPaths.EngineScript, "big-image", dir, megabytes.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, result.Output);
    }

    /// <summary>An HTTP client that talks to the daemon directly, bypassing the agent.</summary>
    public HttpClient CreateDirectClient() => CreateDirectClient(SocketPath);

    public static HttpClient CreateDirectClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost") };
    }

    public async Task<string> DaemonVersionAsync()
    {
        using var client = CreateDirectClient();
        var version = await client.GetFromJsonAsync<JsonElement>("/version");
        return version.GetProperty("Version").GetString()!;
    }
}

[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<DockerEngineFixture>
{
    public const string Name = "docker engine";
}
