namespace Hawser.Proxy.Docker;

/// <summary>
/// The agent's own calls to the daemon (health, banner, info). Proxied traffic never goes through here; it goes
/// through the forwarder.
/// </summary>
internal interface IDockerEngine
{
    Task PingAsync(CancellationToken cancellationToken);

    Task<DaemonVersion> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>Creates a TTY exec with stdin, stdout and stderr attached, and returns its id.</summary>
    Task<string> CreateExecAsync(string container, IReadOnlyList<string> command, string? user,
        CancellationToken cancellationToken);

    Task ResizeExecAsync(string execId, int columns, int rows, CancellationToken cancellationToken);
}
