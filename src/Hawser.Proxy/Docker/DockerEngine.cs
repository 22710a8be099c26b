using Docker.DotNet;
using Docker.DotNet.Models;

namespace Hawser.Proxy.Docker;

/// <summary><see cref="IDockerEngine"/> over Docker.DotNet, dialling the same endpoint as the forwarder.</summary>
internal sealed class DockerEngine : IDockerEngine, IDisposable
{
    private readonly DockerClient _client;

    public DockerEngine(DockerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);

        // No API version is pinned: unversioned paths get the daemon's newest version (Docker 29 refuses < 1.44).
        using var configuration = new DockerClientConfiguration(endpoint.Uri, defaultTimeout: TimeSpan.FromSeconds(15));
        _client = configuration.CreateClient();
    }

    public Task PingAsync(CancellationToken cancellationToken) => _client.System.PingAsync(cancellationToken);

    public async Task<DaemonVersion> GetVersionAsync(CancellationToken cancellationToken)
    {
        var version = await _client.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        return new DaemonVersion(version.Version ?? "unknown", version.APIVersion ?? "unknown",
            version.Os ?? "unknown", version.Arch ?? "unknown");
    }

    public async Task<string?> GetDockerRootDirAsync(CancellationToken cancellationToken) =>
        (await _client.System.GetSystemInfoAsync(cancellationToken).ConfigureAwait(false)).DockerRootDir;

    public Task MonitorContainerEventsAsync(string? since, IProgress<Message> events,
        CancellationToken cancellationToken) =>
        _client.System.MonitorEventsAsync(new ContainerEventsParameters
        {
            Since = since,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
            },
        }, events, cancellationToken);

    public async Task<string> CreateExecAsync(
        string container,
        IReadOnlyList<string> command,
        string? user,
        CancellationToken cancellationToken)
    {
        var created = await _client.Exec.ExecCreateContainerAsync(container, new ContainerExecCreateParameters
        {
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
            Tty = true,
            Cmd = [.. command],
            User = string.IsNullOrEmpty(user) ? null : user,
        }, cancellationToken).ConfigureAwait(false);
        return created.ID;
    }

    public Task ResizeExecAsync(string execId, int columns, int rows, CancellationToken cancellationToken) =>
        _client.Exec.ResizeContainerExecTtyAsync(execId,
            new ContainerResizeParameters { Width = checked((long)columns), Height = checked((long)rows) },
            cancellationToken);

    public void Dispose() => _client.Dispose();
}
