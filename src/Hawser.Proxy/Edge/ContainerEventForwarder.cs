using System.Globalization;
using Docker.DotNet.Models;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Telemetry;

namespace Hawser.Proxy.Edge;

/// <summary>
/// Follows the daemon's container events (spec 3.11) for the whole life of the agent, not per WebSocket session:
/// when the events stream breaks or the daemon restarts it resubscribes from the last event seen and drops what it
/// already had, and while the tunnel is down events wait in a bounded queue (the oldest dropped and counted).
/// </summary>
internal sealed partial class ContainerEventForwarder(
    IDockerEngine engine,
    HawserMetrics metrics,
    TimeProvider time,
    ILogger<ContainerEventForwarder> logger) : BackgroundService
{
    public const int QueueCapacity = 1000;

    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxResubscribeDelay = TimeSpan.FromSeconds(10);

    private static readonly HashSet<string> Forwarded =
    [
        "create", "start", "stop", "die", "kill", "restart", "pause", "unpause", "destroy", "rename", "update", "oom",
        "health_status",
    ];

    private static readonly string[] ScannerImages =
        ["anchore/grype", "aquasec/trivy", "ghcr.io/anchore/grype", "ghcr.io/aquasecurity/trivy"];

    private readonly LinkedList<byte[]> _queue = new();
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly HashSet<string> _seen = [];
    private readonly Queue<string> _seenOrder = new();
    private long _lastTimeNano;

    /// <summary>Sends queued events, in order, until <paramref name="cancellationToken"/> ends the session.</summary>
    public async Task PumpAsync(EdgeWriter writer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);

        while (true)
        {
            // The head leaves the queue only once it is handed to the writer, so an event whose session ended
            // first goes out with the next one.
            byte[]? frame;
            lock (_lock)
            {
                frame = _queue.First?.Value;
            }

            if (frame is null)
            {
                await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            // Confirmed, not just queued: a frame still queued when the link drops would be lost with it.
            await writer.SendAndConfirmAsync(frame, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_queue.First?.Value == frame)
                {
                    _queue.RemoveFirst();
                }
            }

            metrics.EventForwarded();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        string? since = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Subscribe only once the daemon answers a ping: a daemon still starting up may take the subscription
            // and deliver nothing on it.
            if (!await DaemonAnswersAsync(stoppingToken).ConfigureAwait(false))
            {
                Log.DaemonSilent(logger, (long)delay.TotalSeconds);
                await WaitAsync(delay, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxResubscribeDelay.Ticks));
                continue;
            }

            var subscribed = time.GetUtcNow();
            using var subscription = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var watchdog = WatchDaemonAsync(subscription);
            if (since is not null)
            {
                Log.Resubscribed(logger, since);
            }

            try
            {
                await engine.MonitorContainerEventsAsync(since, new Inline(Accept), subscription.Token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                Log.EventStreamBroke(logger, "daemon stopped answering", (long)delay.TotalSeconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Log.EventStreamBroke(logger, ex.GetType().Name, (long)delay.TotalSeconds);
            }

            // Resubscribe from the last event seen (inclusive; repeats are dropped), or from when this stream began.
            var last = Interlocked.Read(ref _lastTimeNano);
            since = last > 0 ? FormatSince(last) : subscribed.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            await subscription.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
            delay = time.GetUtcNow() - subscribed >= TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(1)
                : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxResubscribeDelay.Ticks));
            await WaitAsync(delay, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping; the loop ends on its next check.
        }
    }

    private async Task<bool> DaemonAnswersAsync(CancellationToken cancellationToken)
    {
        using var ping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ping.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await engine.PingAsync(ping.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// An events stream can outlive its daemon: a daemon that is shutting down may accept the subscription and never
    /// answer. A failed ping ends the subscription so that it is made again against the daemon that comes back.
    /// </summary>
    private async Task WatchDaemonAsync(CancellationTokenSource subscription)
    {
        try
        {
            while (!subscription.IsCancellationRequested)
            {
                await Task.Delay(WatchdogPeriod, time, subscription.Token).ConfigureAwait(false);
                if (!await DaemonAnswersAsync(subscription.Token).ConfigureAwait(false))
                {
                    await subscription.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The subscription ended first.
        }
    }

    private void Accept(Message message)
    {
        Log.EventSeen(logger, message.Type, message.Action, message.Actor?.ID, message.TimeNano);
        if (message.Type != "container" || message.Actor?.ID is not { } id)
        {
            return;
        }

        var key = string.Create(CultureInfo.InvariantCulture, $"{message.TimeNano}:{id}:{message.Action}");
        lock (_lock)
        {
            if (!_seen.Add(key))
            {
                return;
            }

            _seenOrder.Enqueue(key);
            if (_seenOrder.Count > 4096)
            {
                _seen.Remove(_seenOrder.Dequeue());
            }
        }

        Interlocked.Exchange(ref _lastTimeNano, Math.Max(message.TimeNano, Interlocked.Read(ref _lastTimeNano)));
        var action = message.Action ?? "";
        var baseAction = action.Split(':', 2)[0].Trim();
        var attributes = message.Actor.Attributes ?? new Dictionary<string, string>();
        attributes.TryGetValue("image", out var image);
        attributes.TryGetValue("name", out var name);
        if (!Forwarded.Contains(baseAction)
            || (image is not null && ScannerImages.Any(s => image.Contains(s, StringComparison.OrdinalIgnoreCase)))
            || (name?.StartsWith("dockhand-browse-", StringComparison.Ordinal) ?? false))
        {
            return;
        }

        // Docker's raw value for health (health_status: unhealthy): Dockhand's transition logic needs the suffix.
        var frame = EdgeFrames.ContainerEvent(id, name, image, baseAction == "health_status" ? action : baseAction,
            attributes.AsReadOnly(), Timestamp(message.TimeNano));
        lock (_lock)
        {
            _queue.AddLast(frame);
            if (_queue.Count > QueueCapacity)
            {
                _queue.RemoveFirst();
                metrics.EventDropped();
                return;
            }
        }

        _available.Release();
    }

    /// <summary>Fixed width, so that string order is time order (spec 3.11).</summary>
    internal static string Timestamp(long timeNano)
    {
        var seconds = Math.DivRem(timeNano, 1_000_000_000L, out var nanos);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss",
            CultureInfo.InvariantCulture) + "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    private static string FormatSince(long timeNano)
    {
        var seconds = Math.DivRem(timeNano, 1_000_000_000L, out var nanos);
        return string.Create(CultureInfo.InvariantCulture, $"{seconds}.{nanos:D9}");
    }

    /// <summary>Calls back on the reading thread, so events keep Docker's order (Progress would post them).</summary>
    private sealed class Inline(Action<Message> onEvent) : IProgress<Message>
    {
        public void Report(Message value) => onEvent(value);
    }

    private static partial class Log
    {
        [LoggerMessage(4050, LogLevel.Warning, "Docker events stream ended ({Reason}); resubscribing in {Seconds} s")]
        public static partial void EventStreamBroke(ILogger logger, string reason, long seconds);

        [LoggerMessage(4051, LogLevel.Information, "Docker events stream resubscribed from {Since}")]
        public static partial void Resubscribed(ILogger logger, string since);

        [LoggerMessage(4053, LogLevel.Debug, "Docker event {Type} {Action} {ContainerId} at {TimeNano}")]
        public static partial void EventSeen(ILogger logger, string? type, string? action, string? containerId, long timeNano);

        [LoggerMessage(4052, LogLevel.Debug, "Docker daemon does not answer a ping; next try in {Seconds} s")]
        public static partial void DaemonSilent(ILogger logger, long seconds);

        // Next free id in Edge: 4051.
    }
}
