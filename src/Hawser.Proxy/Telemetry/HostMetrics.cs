namespace Hawser.Proxy.Telemetry;

/// <summary>
/// One sample of the host, in the units of the edge <c>metrics</c> frame (spec 3.4 K, 4). <see cref="CpuUsage"/>
/// is the host's utilisation in percent times <see cref="CpuCores"/>, because Dockhand divides it by the core count
/// (spec 4.1, server wins); <see cref="CpuPercent"/> is the plain 0–100 value.
/// </summary>
internal sealed record HostMetrics(
    double CpuPercent,
    IReadOnlyList<double> CorePercents,
    int CpuCores,
    ulong MemoryTotal,
    ulong MemoryUsed,
    ulong MemoryFree,
    ulong DiskTotal,
    ulong DiskUsed,
    ulong DiskFree,
    ulong NetworkRxBytes,
    ulong NetworkTxBytes,
    ulong Uptime)
{
    public double CpuUsage => CpuPercent * CpuCores;
}
