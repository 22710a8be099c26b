namespace Hawser.Proxy.Docker;

/// <summary>What <c>GET /version</c> says of the daemon.</summary>
internal sealed record DaemonVersion(string Version, string ApiVersion, string Os, string Arch);
