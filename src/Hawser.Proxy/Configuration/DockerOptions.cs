namespace Hawser.Proxy.Configuration;

/// <summary>The Docker daemon the agent manages.</summary>
public sealed class DockerOptions
{
    /// <summary>
    /// <c>unix:///path/docker.sock</c>, <c>tcp://host:port</c> or (Windows) <c>npipe:////./pipe/docker_engine</c>.
    /// Default: the first socket found among the usual Docker and Podman locations. Legacy: <c>DOCKER_SOCKET</c>
    /// (a socket path, which wins, as in the original agent) and <c>DOCKER_HOST</c>.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Time allowed to open a connection to the daemon. Default 10 s, range 1 s – 5 min.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
