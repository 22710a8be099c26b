using System.Reflection;

namespace Hawser.Proxy.Configuration;

/// <summary>The agent's version, as reported in <c>hawserVersion</c> and <c>--version</c>.</summary>
internal static class AgentVersion
{
    public static string Current { get; } = (typeof(AgentVersion).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev")
        .Split('+')[0];
}
