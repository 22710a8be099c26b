using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Telemetry;

/// <summary>The edge metrics frame against /proc and df read independently by the test.</summary>
[Collection(EngineCollection.Name)]
public sealed class HostMetricsTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task FirstMetricsFrame_OnConnect_AgreesWithProc()
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var (rxBefore, txBefore) = NetworkTotals();
        await using var dockhand = await FakeDockhand.StartAsync(token);
        await using var agent = await EdgeAgent.StartAsync(engine, dockhand.Url, token);
        var link = await dockhand.WaitForAgentAsync(TimeSpan.FromSeconds(30));

        var frame = await FirstMetricsAsync(link);
        var (rxAfter, txAfter) = NetworkTotals();
        var m = frame.GetProperty("metrics");
        var meminfo = MemInfo();
        var cores = File.ReadLines("/proc/stat").Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && l[3] != ' ');
        var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        var df = await DiskSizeAsync(Path.GetDirectoryName(engine.SocketPath)!);

        Assert.Equal(cores, m.GetProperty("cpuCores").GetInt32());
        // Dockhand divides cpuUsage by cpuCores (spec 4.1), so the agent sends host utilisation times cores; on
        // connect it is measured since the agent started, never the original's meaningless first 0.
        Assert.InRange(m.GetProperty("cpuUsage").GetDouble(), 0.001, 100.0 * cores);
        Assert.Equal(meminfo["MemTotal"], m.GetProperty("memoryTotal").GetUInt64());
        var used = meminfo["MemTotal"] - meminfo["MemAvailable"];
        Assert.InRange((double)m.GetProperty("memoryUsed").GetUInt64(), used - (meminfo["MemTotal"] * 0.05),
            used + (meminfo["MemTotal"] * 0.05));
        Assert.Equal(m.GetProperty("memoryTotal").GetUInt64() - m.GetProperty("memoryUsed").GetUInt64(),
            m.GetProperty("memoryFree").GetUInt64());
        Assert.InRange(m.GetProperty("networkRxBytes").GetUInt64(), rxBefore, rxAfter);
        Assert.InRange(m.GetProperty("networkTxBytes").GetUInt64(), txBefore, txAfter);
        Assert.InRange(m.GetProperty("uptime").GetDouble(), uptime - 10, uptime + 1);
        Assert.Equal(df, m.GetProperty("diskTotal").GetUInt64());
        Assert.Equal(m.GetProperty("diskTotal").GetUInt64() - m.GetProperty("diskFree").GetUInt64(),
            m.GetProperty("diskUsed").GetUInt64());
    }

    private static async Task<JsonElement> FirstMetricsAsync(AgentLink link)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var frame = await link.Route("").ReadAsync(timeout.Token);
            if (frame.GetProperty("type").GetString() == "metrics")
            {
                return frame;
            }
        }
    }

    private static Dictionary<string, ulong> MemInfo() => File.ReadLines("/proc/meminfo")
        .Select(l => l.Split(':', 2))
        .ToDictionary(p => p[0], p => ulong.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);

    private static (ulong Rx, ulong Tx) NetworkTotals()
    {
        ulong rx = 0;
        ulong tx = 0;
        foreach (var line in File.ReadLines("/proc/net/dev").Skip(2))
        {
            var parts = line.Split(':', 2);
            if (parts[0].Trim() == "lo")
            {
                continue;
            }

            var fields = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            rx += ulong.Parse(fields[0], CultureInfo.InvariantCulture);
            tx += ulong.Parse(fields[8], CultureInfo.InvariantCulture);
        }

        return (rx, tx);
    }

    /// <summary>The size of the file system holding the engine's data root, as df reports it.</summary>
    private static async Task<ulong> DiskSizeAsync(string path)
    {
        var df = await ProcessRunner.RunAsync("df", ["-B1", "--output=size", Path.Combine(path, "data")]);
        Assert.Equal(0, df.ExitCode);
        return ulong.Parse(df.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture);
    }
}
