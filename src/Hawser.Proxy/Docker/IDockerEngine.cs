namespace Hawser.Proxy.Docker;

/// <summary>
/// The agent's own calls to the daemon (health, banner, info). Proxied traffic never goes through here; it goes
/// through the forwarder.
/// </summary>
internal interface IDockerEngine
{
    Task PingAsync(CancellationToken cancellationToken);

    Task<DaemonVersion> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>The daemon's data root (<c>DockerRootDir</c> of <c>GET /info</c>), for the disk metrics.</summary>
    Task<string?> GetDockerRootDirAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Container events from <paramref name="since"/> (Docker's <c>seconds.nanoseconds</c> form, inclusive) until
    /// the stream breaks or <paramref name="cancellationToken"/> ends it.
    /// </summary>
    Task MonitorContainerEventsAsync(string? since, IProgress<global::Docker.DotNet.Models.Message> events,
        CancellationToken cancellationToken);

    /// <summary>Creates a TTY exec with stdin, stdout and stderr attached, and returns its id.</summary>
    Task<string> CreateExecAsync(string container, IReadOnlyList<string> command, string? user,
        CancellationToken cancellationToken);

    Task ResizeExecAsync(string execId, int columns, int rows, CancellationToken cancellationToken);
}
