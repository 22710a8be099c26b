using System.Globalization;
using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Telemetry;

/// <summary>
/// Reads the host from <c>/proc</c> (or a mounted host <c>/proc</c>) and <c>statfs</c> of the Docker data root.
/// CPU is a delta against the previous sample; the first one is measured against a baseline taken when the
/// collector was created, so it is never a meaningless 0.
/// </summary>
internal sealed class HostMetricsCollector
{
    private readonly string _proc;
    private readonly Lock _lock = new();
    private CpuTimes[] _previous;

    public HostMetricsCollector(IOptions<HawserOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);

        _proc = options.Value.Metrics.ProcRoot;
        _previous = ReadCpu();
    }

    /// <summary>The latest sample, kept for the Prometheus gauges.</summary>
    public HostMetrics? Last { get; private set; }

    public HostMetrics Sample(string? dockerRootDir)
    {
        var now = ReadCpu();
        CpuTimes[] before;
        lock (_lock)
        {
            before = _previous;
            _previous = now;
        }

        var percents = now.Select((cpu, i) => i < before.Length ? cpu.PercentSince(before[i]) : 0).ToArray();
        var (total, available) = ReadMemory();
        var (diskTotal, diskFree) = ReadDisk(dockerRootDir ?? "/var/lib/docker");
        var (rx, tx) = ReadNetwork();
        var sample = new HostMetrics(
            percents.Length > 0 ? percents[0] : 0,
            percents.Skip(1).ToArray(),
            Math.Max(now.Length - 1, 0),
            total,
            total - Math.Min(total, available),
            available,
            diskTotal,
            diskTotal - diskFree,
            diskFree,
            rx,
            tx,
            ReadUptime());
        Last = sample;
        return sample;
    }

    /// <summary>The aggregate <c>cpu</c> line first, then one entry per <c>cpuN</c> line.</summary>
    private CpuTimes[] ReadCpu()
    {
        try
        {
            return [.. File.ReadLines(Path.Combine(_proc, "stat"))
                .Where(l => l.StartsWith("cpu", StringComparison.Ordinal))
                .Select(CpuTimes.Parse)];
        }
        catch (IOException)
        {
            return [];
        }
    }

    private (ulong Total, ulong Available) ReadMemory()
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(_proc, "meminfo")))
            {
                var parts = line.Split(':', 2);
                if (parts.Length == 2 && ulong.TryParse(parts[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture, out var kb))
                {
                    values[parts[0]] = kb * 1024;
                }
            }
        }
        catch (IOException)
        {
            return (0, 0);
        }

        var total = values.GetValueOrDefault("MemTotal");
        var available = values.GetValueOrDefault("MemAvailable");
        if (available == 0)
        {
            available = values.GetValueOrDefault("MemFree") + values.GetValueOrDefault("Buffers")
                + values.GetValueOrDefault("Cached");
        }

        return (total, available);
    }

    private static (ulong Total, ulong Free) ReadDisk(string path)
    {
        try
        {
            var drive = new DriveInfo(path);
            return ((ulong)drive.TotalSize, (ulong)drive.AvailableFreeSpace);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (0, 0);
        }
    }

    private (ulong Rx, ulong Tx) ReadNetwork()
    {
        ulong rx = 0;
        ulong tx = 0;
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(_proc, "net/dev")).Skip(2))
            {
                // Split at ':' first: a long interface name leaves no blank before the counters.
                var parts = line.Split(':', 2);
                if (parts.Length != 2 || parts[0].Trim() == "lo")
                {
                    continue;
                }

                var fields = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 9)
                {
                    rx += ulong.Parse(fields[0], CultureInfo.InvariantCulture);
                    tx += ulong.Parse(fields[8], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            return (0, 0);
        }

        return (rx, tx);
    }

    private ulong ReadUptime()
    {
        try
        {
            var first = File.ReadAllText(Path.Combine(_proc, "uptime")).Split(' ', 2)[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? (ulong)seconds
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Busy (user + nice + system) and total (busy + idle + iowait) jiffies of one CPU line.</summary>
    private readonly record struct CpuTimes(ulong Busy, ulong Total)
    {
        public static CpuTimes Parse(string line)
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var busy = f[0] + f[1] + f[2];
            return new CpuTimes(busy, busy + f[3] + (f.Length > 4 ? f[4] : 0));
        }

        public double PercentSince(CpuTimes before) =>
            Total > before.Total ? (Busy - Math.Min(Busy, before.Busy)) * 100.0 / (Total - before.Total) : 0;
    }
}
