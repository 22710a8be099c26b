namespace Hawser.Proxy.Configuration;

/// <summary>How the agent talks to Dockhand.</summary>
public enum AgentMode
{
    /// <summary>Edge when a server URL is configured, standard otherwise (the original agent's rule).</summary>
    Auto,

    /// <summary>The agent listens for HTTP(S) from Dockhand.</summary>
    Standard,

    /// <summary>The agent dials Dockhand over a WebSocket.</summary>
    Edge,
}
