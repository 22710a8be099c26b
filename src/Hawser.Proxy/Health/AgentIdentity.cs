using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Health;

/// <summary>The agent's id and name as Dockhand shows them.</summary>
// LIMITATION: without AGENT_ID the id is new at every start (as in the original agent); the edge-mode issue keeps
// it in a state folder.
internal sealed class AgentIdentity(IOptions<HawserOptions> options)
{
    public string Id { get; } = string.IsNullOrEmpty(options.Value.AgentId) ? Guid.NewGuid().ToString() : options.Value.AgentId;

    public string Name { get; } = !string.IsNullOrEmpty(options.Value.AgentName) ? options.Value.AgentName
        : HostName() is { Length: > 0 } host ? host : "hawser-agent";

    /// <summary>The full host name, as Go's os.Hostname gives it (Environment.MachineName stops at the first dot).</summary>
    public static string HostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }
}
