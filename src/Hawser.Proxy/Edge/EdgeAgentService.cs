using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Edge;

/// <summary>
/// Keeps the agent connected to Dockhand: one session at a time, then a back-off from <c>RECONNECT_DELAY</c>
/// doubling to <c>MAX_RECONNECT_DELAY</c> with ±25 % jitter, reset once a session stayed up for a minute. A refused
/// token waits 5 minutes (the server's lock-out), a throttle waits what the server asks (spec 3.9).
/// </summary>
internal sealed partial class EdgeAgentService(
    EdgeConnection connection,
    Telemetry.HawserMetrics metrics,
    IOptions<HawserOptions> options,
    TimeProvider time,
    ILogger<EdgeAgentService> logger) : BackgroundService
{
    private static readonly TimeSpan StableSession = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LockOut = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var edge = options.Value.Edge;
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            EdgeSessionResult result;
            try
            {
                result = await connection.RunSessionAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A bug in one session must not end the agent: log it and reconnect.
                Log.SessionCrashed(logger, ex);
                result = new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Other, null);
            }

            if (result.ConnectedFor >= StableSession)
            {
                attempt = 0;
            }

            var delay = NextDelay(result, edge, attempt++);
            metrics.Reconnect();
            Log.Reconnecting(logger, (long)delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal static TimeSpan NextDelay(EdgeSessionResult result, EdgeOptions edge, int attempt)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(edge);

        var floor = result.Rejection switch
        {
            EdgeRejection.Credentials => LockOut,
            // Capped: a server's retryAfter must never park the agent for days (or overflow Task.Delay).
            EdgeRejection.Throttled => TimeSpan.FromTicks(Math.Min((result.RetryAfter ?? edge.MaxReconnectDelay).Ticks,
                MaxRetryAfter.Ticks)),
            _ => TimeSpan.Zero,
        };
        var exponential = edge.ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20));
        var capped = Math.Min(exponential, edge.MaxReconnectDelay.TotalMilliseconds);
        var jittered = capped * (0.75 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(Math.Max(jittered, floor.TotalMilliseconds * (1 + (Random.Shared.NextDouble() * 0.1))));
    }

    private static partial class Log
    {
        [LoggerMessage(4040, LogLevel.Information, "Reconnecting to Dockhand in {DelayMs} ms")]
        public static partial void Reconnecting(ILogger logger, long delayMs);

        [LoggerMessage(4041, LogLevel.Error, "An edge session failed unexpectedly; reconnecting")]
        public static partial void SessionCrashed(ILogger logger, Exception exception);

        // Next free id in Edge: 4042.
    }
}
