using System.Globalization;

namespace Hawser.Proxy.Docker;

/// <summary>
/// Where the Docker daemon listens: a unix socket path, a TCP host and port (a socket proxy in front of the daemon),
/// or a Windows named pipe.
/// </summary>
internal sealed record DockerEndpoint(DockerEndpointKind Kind, string Address, int Port)
{
    /// <summary>The URI form, as Docker.DotNet and the docker CLI take it.</summary>
    public Uri Uri => Kind switch
    {
        DockerEndpointKind.UnixSocket => new Uri("unix://" + Address),
        DockerEndpointKind.Tcp => new Uri(string.Create(CultureInfo.InvariantCulture, $"tcp://{Address}:{Port}")),
        _ => new Uri("npipe://" + Address.Replace('\\', '/')),
    };

    public override string ToString() => Kind switch
    {
        DockerEndpointKind.UnixSocket => "unix://" + Address,
        DockerEndpointKind.Tcp => string.Create(CultureInfo.InvariantCulture, $"tcp://{Address}:{Port}"),
        _ => "npipe://" + Address,
    };

    /// <summary>Parses <c>unix:///path</c>, <c>tcp://host:port</c> or <c>npipe:////./pipe/name</c>.</summary>
    public static bool TryParse(string value, out DockerEndpoint? endpoint, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);

        endpoint = null;
        error = null;
        if (value.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
        {
            var path = value["unix://".Length..];
            if (!path.StartsWith('/'))
            {
                error = "a unix socket needs an absolute path, as in unix:///var/run/docker.sock";
                return false;
            }

            endpoint = new DockerEndpoint(DockerEndpointKind.UnixSocket, path, 0);
            return true;
        }

        if (value.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate("http://" + value["tcp://".Length..], UriKind.Absolute, out var uri)
                || uri.IsDefaultPort || uri.AbsolutePath != "/" || string.IsNullOrEmpty(uri.Host))
            {
                error = "a TCP endpoint must be tcp://host:port with nothing after the port";
                return false;
            }

            endpoint = new DockerEndpoint(DockerEndpointKind.Tcp, uri.IdnHost, uri.Port);
            return true;
        }

        if (value.StartsWith("npipe://", StringComparison.OrdinalIgnoreCase))
        {
            if (!OperatingSystem.IsWindows())
            {
                error = "named pipes (npipe://) only exist on Windows";
                return false;
            }

            // npipe:////./pipe/docker_engine names the pipe \\.\pipe\docker_engine.
            var name = value["npipe://".Length..].TrimStart('/').Replace('/', '\\');
            endpoint = new DockerEndpoint(DockerEndpointKind.NamedPipe, @"\\" + name, 0);
            return true;
        }

        error = "only unix://, tcp:// and npipe:// endpoints are supported (TLS to the daemon is not)";
        return false;
    }

    /// <summary>The usual Docker and Podman socket locations, in the order the original agent tries them.</summary>
    public static IEnumerable<string> Candidates(string? home, string? runtimeDir)
    {
        yield return "/var/run/docker.sock";
        if (!string.IsNullOrEmpty(home))
        {
            yield return Path.Combine(home, ".docker/run/docker.sock");
            yield return Path.Combine(home, ".orbstack/run/docker.sock");
        }

        yield return "/run/docker.sock";
        yield return "/run/podman/podman.sock";
        if (!string.IsNullOrEmpty(runtimeDir))
        {
            yield return Path.Combine(runtimeDir, "podman/podman.sock");
            yield return Path.Combine(runtimeDir, "docker.sock");
        }
    }

    /// <summary>The first existing candidate socket, or null when none exists.</summary>
    public static DockerEndpoint? Detect(string? home, string? runtimeDir, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);

        if (OperatingSystem.IsWindows())
        {
            return new DockerEndpoint(DockerEndpointKind.NamedPipe, @"\\.\pipe\docker_engine", 0);
        }

        var path = Candidates(home, runtimeDir).FirstOrDefault(exists);
        return path is null ? null : new DockerEndpoint(DockerEndpointKind.UnixSocket, path, 0);
    }
}
