namespace Hawser.Proxy.Configuration;

/// <summary>The HTTP(S) listener.</summary>
public sealed class ListenerOptions
{
    /// <summary>TCP port. Default 2376, range 1–65535. Legacy: <c>PORT</c>.</summary>
    public int Port { get; set; } = 2376;

    /// <summary>
    /// IP address to bind: <c>*</c> (every interface, IPv4 and IPv6), <c>0.0.0.0</c>, <c>::</c> or one address.
    /// Default: <c>*</c> when a token is set, <c>127.0.0.1</c> when none is. Legacy: <c>BIND_ADDRESS</c>.
    /// </summary>
    public string? BindAddress { get; set; }

    /// <summary>PEM certificate file; TLS is on when this and <see cref="TlsKeyPath"/> are set. Legacy: <c>TLS_CERT</c>.</summary>
    public string? TlsCertPath { get; set; }

    /// <summary>PEM private key file for <see cref="TlsCertPath"/>. Legacy: <c>TLS_KEY</c>.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>
    /// Allows listening on a non-loopback address without a token, which hands full control of the Docker daemon
    /// to anyone who reaches the port. Default false. Variable: <c>DANGEROUS_ALLOW_NO_TOKEN</c>.
    /// </summary>
    public bool DangerousAllowUnauthenticated { get; set; }

    /// <summary>
    /// Load balancers or reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the agent believes:
    /// IP addresses or CIDR ranges, comma-separated (<c>10.0.0.5, 192.168.0.0/16</c>). Default none: the headers are
    /// ignored and the client is the TCP peer. Legacy-style variable: <c>TRUSTED_PROXIES</c>.
    /// </summary>
    public string? TrustedProxies { get; set; }

    /// <summary>
    /// Standard mode: on SIGTERM the listener closes at once and open requests and streams get this long to end
    /// before they are cut. Default 8 s, inside the 10 s after which <c>docker stop</c> kills; 0 to 1 h. Edge mode
    /// closes its tunnel at once and waits at most this or 5 s, whichever is longer. Variable: <c>DRAIN_TIMEOUT</c>.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
