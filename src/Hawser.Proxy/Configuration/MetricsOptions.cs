namespace Hawser.Proxy.Configuration;

/// <summary>Host metrics and the Prometheus endpoint.</summary>
public sealed class MetricsOptions
{
    /// <summary>
    /// The <c>/proc</c> to measure. In a container, mount the host's (<c>-v /proc:/host/proc:ro</c>) and set
    /// <c>/host/proc</c> so the host is measured instead of the container. Default <c>/proc</c>. Variable: <c>HOST_PROC</c>.
    /// </summary>
    public string ProcRoot { get; set; } = "/proc";

    /// <summary>
    /// Who may read <c>/metrics</c>: <c>LoopbackOrToken</c> (default: open from 127.0.0.1/::1, the token
    /// otherwise), <c>Token</c> (always the token) or <c>Open</c>. Variable: <c>METRICS_ACCESS</c>.
    /// </summary>
    public MetricsAccess Access { get; set; } = MetricsAccess.LoopbackOrToken;
}
