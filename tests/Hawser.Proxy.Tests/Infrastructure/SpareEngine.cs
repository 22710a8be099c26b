namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>
/// A second real dockerd beside the shared one, for tests that stop the daemon under a running agent. Stopped by its
/// PID (engine.sh stop).
/// </summary>
internal sealed class SpareEngine : IAsyncDisposable
{
    private readonly string _dir = "/tmp/hawser-spare-" + Guid.NewGuid().ToString("N")[..8];
    private bool _running;

    public string SocketPath => Path.Combine(_dir, "docker.sock");

    public static async Task<SpareEngine> StartAsync()
    {
        var engine = new SpareEngine();
        await engine.StartAgainAsync();
        return engine;
    }

    /// <summary>Starts the daemon (again) on the same data root.</summary>
    public async Task StartAgainAsync()
    {
        var result = await ProcessRunner.RunAsync("bash", [RepositoryPaths.EngineScript, "start", _dir],
            timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Output);
        _running = true;
    }

    public HttpClient CreateDirectClient() => DockerEngineFixture.CreateDirectClient(SocketPath);

    public async Task StopAsync()
    {
        if (_running)
        {
            var result = await ProcessRunner.RunAsync("bash", [RepositoryPaths.EngineScript, "stop", _dir],
                timeout: TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode == 0, result.Output);
            _running = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // dockerd may leave busy mount points in its exec root; a leftover folder in /tmp is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
