namespace Hawser.Proxy.Docker;

/// <summary>How the daemon is reached.</summary>
internal enum DockerEndpointKind
{
    UnixSocket,
    Tcp,
    NamedPipe,
}
