namespace Hawser.Proxy.Configuration;

/// <summary>Who may read <c>/metrics</c>.</summary>
public enum MetricsAccess
{
    /// <summary>Open from loopback, the token from anywhere else.</summary>
    LoopbackOrToken,

    /// <summary>The token from everywhere.</summary>
    Token,

    /// <summary>No token needed (for a scrape network you trust).</summary>
    Open,
}
