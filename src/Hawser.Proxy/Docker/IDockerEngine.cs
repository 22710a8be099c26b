namespace Hawser.Proxy.Docker;

/// <summary>
/// The agent's own calls to the daemon (health, banner, info). Proxied traffic never goes through here; it goes
/// through the forwarder.
/// </summary>
internal interface IDockerEngine
{
    Task PingAsync(CancellationToken cancellationToken);

    Task<DaemonVersion> GetVersionAsync(CancellationToken cancellationToken);
}
