using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Health;

/// <summary>
/// The agent's id and name as Dockhand shows them. Without <c>AGENT_ID</c> the id is kept in
/// <c>{StateDir}/agent-id</c>, so Dockhand sees the same agent after a restart or an upgrade.
/// </summary>
internal sealed partial class AgentIdentity
{
    public AgentIdentity(IOptions<HawserOptions> options, ILogger<AgentIdentity> logger)
    {
        ArgumentNullException.ThrowIfNull(options);

        var o = options.Value;
        Id = !string.IsNullOrEmpty(o.AgentId) ? o.AgentId : LoadOrCreateId(o.StateDir, logger);
        Name = !string.IsNullOrEmpty(o.AgentName) ? o.AgentName : HostName() is { Length: > 0 } host ? host : "hawser-agent";
    }

    public string Id { get; }

    public string Name { get; }

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

    private static string LoadOrCreateId(string stateDir, ILogger logger)
    {
        var path = Path.Combine(stateDir, "agent-id");
        try
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } stored)
            {
                return stored;
            }

            var id = Guid.NewGuid().ToString();
            Directory.CreateDirectory(stateDir);
            File.WriteAllText(path, id + "\n");
            return id;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var id = Guid.NewGuid().ToString();
            Log.StateNotWritable(logger, stateDir, ex.Message);
            return id;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5010, LogLevel.Warning,
            "Cannot keep the agent id in {StateDir} ({Reason}); it changes at every start. Set STATE_DIR to a "
            + "writable folder or AGENT_ID")]
        public static partial void StateNotWritable(ILogger logger, string stateDir, string reason);
    }
}
