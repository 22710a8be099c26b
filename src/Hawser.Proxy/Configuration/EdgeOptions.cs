namespace Hawser.Proxy.Configuration;

/// <summary>Edge mode: the outbound WebSocket to Dockhand.</summary>
public sealed class EdgeOptions
{
    /// <summary>The dead-link timeout in force: <see cref="DeadLinkTimeout"/>, else max(2 × heartbeat, 60 s).</summary>
    public TimeSpan EffectiveDeadLinkTimeout => DeadLinkTimeout
        ?? TimeSpan.FromTicks(Math.Max(HeartbeatInterval.Ticks * 2, TimeSpan.FromSeconds(60).Ticks));

    /// <summary>
    /// Dockhand's WebSocket URL, <c>ws://</c> or <c>wss://…/api/hawser/connect</c>. Default unset (standard mode).
    /// Legacy: <c>DOCKHAND_SERVER_URL</c>.
    /// </summary>
    public string? ServerUrl { get; set; }

    /// <summary>PEM bundle that replaces the system trust store for <c>wss://</c>. Legacy: <c>CA_CERT</c>.</summary>
    public string? CaCertPath { get; set; }

    /// <summary>Turns off certificate checks for <c>wss://</c>. Default false. Legacy: <c>TLS_SKIP_VERIFY</c>.</summary>
    public bool DangerousSkipTlsVerify { get; set; }

    /// <summary>Period of the agent's pings. Default 30 s, range 1 s – 1 h. Legacy: <c>HEARTBEAT_INTERVAL</c>.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First reconnect delay. Default 1 s, range 100 ms – 1 h. Legacy: <c>RECONNECT_DELAY</c>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Reconnect delay cap. Default 60 s, range 100 ms – 24 h, not below ReconnectDelay. Legacy: <c>MAX_RECONNECT_DELAY</c>.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for <c>welcome</c>. Default 30 s, range 1 s – 10 min. Legacy: <c>WELCOME_TIMEOUT</c>.</summary>
    public TimeSpan WelcomeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest time without any frame from the server before the link counts as dead. Default: unset, meaning
    /// max(2 × HeartbeatInterval, 60 s) as in the original agent; range 1 s – 1 h.
    /// </summary>
    public TimeSpan? DeadLinkTimeout { get; set; }

    /// <summary>
    /// Extra headers on the WebSocket upgrade request, for an authenticating proxy in front of Dockhand
    /// (<c>Hawser:Edge:Headers:Name=value</c>). Default: none. Values are secrets: never logged.
    /// </summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Largest WebSocket message, in bytes. Default 256 MiB, range 1 MiB – 2 GiB. Legacy: <c>MAX_MESSAGE_SIZE_MB</c>.</summary>
    public long MaxMessageBytes { get; set; } = 256L * 1024 * 1024;
}
