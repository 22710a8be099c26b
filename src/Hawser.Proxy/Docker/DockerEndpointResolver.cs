using Hawser.Proxy.Configuration;

namespace Hawser.Proxy.Docker;

/// <summary>Turns <see cref="DockerOptions.Endpoint"/> (or its absence) into the endpoint to dial.</summary>
internal sealed class DockerEndpointResolver(string? home, string? runtimeDir, Func<string, bool> exists)
{
    public static DockerEndpointResolver ForThisHost() => new(
        Environment.GetEnvironmentVariable("HOME"),
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"),
        File.Exists);

    /// <summary>Returns null and the endpoint, or one line saying what is wrong and how to fix it.</summary>
    public string? TryResolve(DockerOptions options, out DockerEndpoint? endpoint)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (!string.IsNullOrEmpty(options.Endpoint))
        {
            return DockerEndpoint.TryParse(options.Endpoint, out endpoint, out var error)
                ? null
                : $"Hawser:Docker:Endpoint (DOCKER_HOST / DOCKER_SOCKET) '{options.Endpoint}' is not usable: {error}.";
        }

        endpoint = DockerEndpoint.Detect(home, runtimeDir, exists);
        return endpoint is not null
            ? null
            : "No Docker socket found (looked in " + string.Join(", ", DockerEndpoint.Candidates(home, runtimeDir))
                + "); set DOCKER_SOCKET to the socket path or DOCKER_HOST to unix:///path or tcp://host:port.";
    }

    public DockerEndpoint Resolve(DockerOptions options) =>
        TryResolve(options, out var endpoint) is { } error ? throw new InvalidOperationException(error) : endpoint!;
}
