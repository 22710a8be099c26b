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

    public async Task MonitorContainerEventsAsync(string? since, IProgress<Message> events,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);

        // Docker.DotNet's IProgress overload parses the stream with blocking reads: it can hold the last event of a
        // burst (a die replayed after a daemon restart) until the next one arrives, and then ignores cancellation.
        // Its raw stream, read a line at a time here, delivers each event as it comes. The library marks the raw
        // overload obsolete in favour of exactly the overload that stalls.
#pragma warning disable CS0618
        var stream = await _client.System.MonitorEventsAsync(new ContainerEventsParameters
        {
            Since = since,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["type"] = new Dictionary<string, bool> { ["container"] = true },
            },
        }, cancellationToken).ConfigureAwait(false);
#pragma warning restore CS0618
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0 && Newtonsoft.Json.JsonConvert.DeserializeObject<Message>(line) is { } message)
                {
                    events.Report(message);
                }
            }
        }
    }

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
