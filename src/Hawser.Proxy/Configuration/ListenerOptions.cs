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
}
