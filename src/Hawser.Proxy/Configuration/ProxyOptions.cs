namespace Hawser.Proxy.Configuration;

/// <summary>Forwarding of Docker API calls.</summary>
public sealed class ProxyOptions
{
    /// <summary>
    /// Longest silence allowed on a short Docker call before it is ended with 504 (standard mode), and the deadline
    /// of a non-streaming request (edge mode). Streams (logs, events, stats, attach, exec, pull, push, build, load,
    /// save, archive, wait, prune) never time out. Default 30 s, range 1 s – 24 h. Legacy: <c>REQUEST_TIMEOUT</c>
    /// (whole seconds).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest request body forwarded to Docker, in bytes. Default: unset, meaning no limit (image loads and build
    /// contexts are unbounded). Range: at least 1. Variable: <c>MAX_REQUEST_BODY_BYTES</c>.
    /// </summary>
    public long? MaxRequestBodyBytes { get; set; }
}
