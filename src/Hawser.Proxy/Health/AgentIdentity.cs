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
        : string.IsNullOrEmpty(Environment.MachineName) ? "hawser-agent" : Environment.MachineName;
}
