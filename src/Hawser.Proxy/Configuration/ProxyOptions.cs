namespace Hawser.Proxy.Configuration;

/// <summary>Forwarding of Docker API calls.</summary>
public sealed class ProxyOptions
{
    /// <summary>
    /// Edge mode: the deadline of a non-streaming request (paths ending in <c>/prune</c> get at least 300 s, as
    /// Dockhand waits that long). Standard mode has no such deadline: the caller's own timeout and its disconnect
    /// end a call. Default 30 s, range 1 s – 24 h. Legacy: <c>REQUEST_TIMEOUT</c> (whole seconds).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest request body forwarded to Docker, in bytes. Default: unset, meaning no limit (image loads and build
    /// contexts are unbounded). Range: at least 1. Variable: <c>MAX_REQUEST_BODY_BYTES</c>.
    /// </summary>
    public long? MaxRequestBodyBytes { get; set; }
}
