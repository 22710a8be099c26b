using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Hawser.Proxy.Telemetry;

/// <summary>
/// The agent's own instruments, exported at <c>/metrics</c> in Prometheus form (<c>hawser_…</c>, unit suffixes,
/// <c>_total</c> on counters). Label values are bounded: mode, method, a route class and the status code; never a
/// container id or a raw path.
/// </summary>
internal sealed class HawserMetrics : IDisposable
{
    public const string MeterName = "Hawser.Proxy";

    // Seconds, not OpenTelemetry's default millisecond-sized boundaries (0, 5, 10 … 10000), which would put every
    // Docker call into the first bucket.
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    };

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _bytes;
    private readonly UpDownCounter<long> _streams;
    private readonly UpDownCounter<long> _execSessions;
    private readonly Counter<long> _reconnects;
    private readonly Histogram<double> _heartbeat;
    private readonly Counter<long> _eventsForwarded;
    private readonly Counter<long> _eventsDropped;
    private int _edgeConnected = -1;

    public HawserMetrics(HostMetricsCollector host)
    {
        ArgumentNullException.ThrowIfNull(host);

        _requests = _meter.CreateCounter<long>("hawser.docker.requests", "{request}", "Docker API requests served");
        _duration = _meter.CreateHistogram<double>("hawser.docker.request.duration", "s",
            "Time from request to the end of Docker's response", advice: SecondsBuckets);
        _bytes = _meter.CreateCounter<long>("hawser.docker.body", "By", "Docker API body bytes, by direction");
        _streams = _meter.CreateUpDownCounter<long>("hawser.docker.active_streams", "{stream}",
            "Long-lived Docker calls in progress (logs, events, stats, waits, pulls)");
        _execSessions = _meter.CreateUpDownCounter<long>("hawser.exec.sessions", "{session}",
            "Exec and attach sessions in progress");
        _reconnects = _meter.CreateCounter<long>("hawser.edge.reconnects", "{reconnect}", "Edge reconnect attempts");
        _heartbeat = _meter.CreateHistogram<double>("hawser.edge.heartbeat.rtt", "s",
            "Round trip of the agent's ping to Dockhand's pong", advice: SecondsBuckets);
        _eventsForwarded = _meter.CreateCounter<long>("hawser.events.forwarded", "{event}",
            "Container events sent to Dockhand");
        _eventsDropped = _meter.CreateCounter<long>("hawser.events.dropped", "{event}",
            "Container events dropped because the queue was full during an outage");
        _meter.CreateObservableGauge("hawser.edge.connected", () => Math.Max(Volatile.Read(ref _edgeConnected), 0),
            "1", "1 while the edge tunnel to Dockhand is up");
        _meter.CreateObservableGauge("hawser.host.cpu.utilization", () => (host.Last?.CpuPercent ?? 0) / 100, "1",
            "Host CPU utilisation, 0 to 1");
        _meter.CreateObservableGauge("hawser.host.cpu.core.utilization", () => PerCore(host), "1",
            "CPU utilisation of each core, 0 to 1");
        _meter.CreateObservableGauge("hawser.host.cpu.cores", () => host.Last?.CpuCores ?? 0, "{cpu}", "Online CPUs");
        _meter.CreateObservableGauge("hawser.host.memory.total", () => (long)(host.Last?.MemoryTotal ?? 0), "By",
            "Host memory");
        _meter.CreateObservableGauge("hawser.host.memory.used", () => (long)(host.Last?.MemoryUsed ?? 0), "By",
            "Host memory in use (total minus available)");
        _meter.CreateObservableGauge("hawser.host.disk.total", () => (long)(host.Last?.DiskTotal ?? 0), "By",
            "Size of the file system holding Docker's data root");
        _meter.CreateObservableGauge("hawser.host.disk.free", () => (long)(host.Last?.DiskFree ?? 0), "By",
            "Free space for Docker's data root");
        _meter.CreateObservableGauge("hawser.host.uptime", () => (long)(host.Last?.Uptime ?? 0), "s", "Host uptime");
        _meter.CreateObservableCounter("hawser.host.network.receive", () => (long)(host.Last?.NetworkRxBytes ?? 0), "By",
            "Bytes received on every interface but lo");
        _meter.CreateObservableCounter("hawser.host.network.transmit", () => (long)(host.Last?.NetworkTxBytes ?? 0), "By",
            "Bytes sent on every interface but lo");
    }

    private static IEnumerable<Measurement<double>> PerCore(HostMetricsCollector host)
    {
        var cores = host.Last?.CorePercents ?? [];
        for (var i = 0; i < cores.Count; i++)
        {
            yield return new Measurement<double>(cores[i] / 100, new KeyValuePair<string, object?>("cpu",
                i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Bounded route classes: the first path segment of the unversioned path, from a fixed list.</summary>
    public static string RouteClass(string unversionedPath)
    {
        ArgumentNullException.ThrowIfNull(unversionedPath);

        var first = unversionedPath.TrimStart('/').Split('/', 2)[0];
        return first switch
        {
            "containers" or "images" or "networks" or "volumes" or "exec" or "events" or "info" or "version"
                or "_ping" or "system" or "build" or "swarm" or "services" or "tasks" or "nodes" or "secrets"
                or "configs" or "plugins" or "distribution" or "session" or "libpod" or "_hawser" => first,
            _ => "other",
        };
    }

    public void RequestCompleted(string mode, string method, string routeClass, int status, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "mode", mode },
            { "method", method },
            { "route", routeClass },
            { "status", status },
        };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    public void BodyBytes(string mode, string direction, long bytes)
    {
        if (bytes > 0)
        {
            _bytes.Add(bytes, new TagList { { "mode", mode }, { "direction", direction } });
        }
    }

    public void StreamStarted(string mode) => _streams.Add(1, new TagList { { "mode", mode } });

    public void StreamEnded(string mode) => _streams.Add(-1, new TagList { { "mode", mode } });

    public void ExecStarted(string mode) => _execSessions.Add(1, new TagList { { "mode", mode } });

    public void ExecEnded(string mode) => _execSessions.Add(-1, new TagList { { "mode", mode } });

    public void EdgeConnected(bool connected) => Volatile.Write(ref _edgeConnected, connected ? 1 : 0);

    public void Reconnect() => _reconnects.Add(1);

    public void HeartbeatRoundTrip(TimeSpan elapsed) => _heartbeat.Record(elapsed.TotalSeconds);

    public void EventForwarded() => _eventsForwarded.Add(1);

    public void EventDropped() => _eventsDropped.Add(1);

    public void Dispose() => _meter.Dispose();
}
