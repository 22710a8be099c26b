namespace Hawser.Proxy.Configuration;

/// <summary>
/// Every setting of the agent, bound once from the <c>Hawser</c> section (appsettings.json, <c>HAWSER__*</c>
/// environment variables, the original agent's variables and the command line, in rising precedence).
/// </summary>
public sealed class HawserOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "Hawser";

    /// <summary>
    /// Which mode to run: <c>Auto</c> (default; edge when <see cref="EdgeOptions.ServerUrl"/> is set),
    /// <c>Standard</c> or <c>Edge</c>.
    /// </summary>
    public AgentMode Mode { get; set; } = AgentMode.Auto;

    /// <summary>
    /// Shared secret. Standard mode: expected in <c>X-Hawser-Token</c> (or <c>?token=</c>); unset means no
    /// authentication, which is only allowed on loopback unless
    /// <see cref="ListenerOptions.DangerousAllowUnauthenticated"/> is set. Edge mode: sent in <c>hello</c>.
    /// Default: unset. Legacy variable: <c>TOKEN</c>.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>Agent identity shown in Dockhand. Default: a new UUID at each start. Legacy: <c>AGENT_ID</c>.</summary>
    public string? AgentId { get; set; }

    /// <summary>Human name shown in Dockhand. Default: the host name. Legacy: <c>AGENT_NAME</c>.</summary>
    public string? AgentName { get; set; }

    /// <summary>
    /// Folder for the agent's own state (the agent id, so it stays the same across restarts). Default
    /// <c>/var/lib/hawser</c>. Legacy-style variable: <c>STATE_DIR</c>.
    /// </summary>
    public string StateDir { get; set; } = "/var/lib/hawser";

    /// <summary>Where the agent listens (standard mode) or serves its health endpoint (edge mode).</summary>
    public ListenerOptions Listen { get; set; } = new();

    /// <summary>How the agent reaches the Docker daemon.</summary>
    public DockerOptions Docker { get; set; } = new();

    /// <summary>How Docker API calls are forwarded.</summary>
    public ProxyOptions Proxy { get; set; } = new();

    /// <summary>Edge mode: the outbound WebSocket to Dockhand.</summary>
    public EdgeOptions Edge { get; set; } = new();

    /// <summary>Host metrics and the Prometheus endpoint.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Docker compose operations.</summary>
    public ComposeOptions Compose { get; set; } = new();

    /// <summary>The mode that <see cref="Mode"/> resolves to with the other settings applied.</summary>
    public AgentMode EffectiveMode => Mode switch
    {
        AgentMode.Auto => string.IsNullOrEmpty(Edge.ServerUrl) ? AgentMode.Standard : AgentMode.Edge,
        _ => Mode,
    };
}
