using Hawser.Proxy.Docker;

namespace Hawser.Proxy.Telemetry;

/// <summary>Samples the host every 15 s for the Prometheus gauges (edge mode samples again for its frames).</summary>
internal sealed partial class HostMetricsSampler(
    HostMetricsCollector collector,
    IDockerEngine engine,
    TimeProvider time,
    ILogger<HostMetricsSampler> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(15);

    private string? _dockerRoot;

    /// <summary>
    /// One host sample. The Docker data root comes from <c>GET /info</c> until the daemon has answered once, then
    /// it is kept: it changes only with a daemon reconfiguration, and asking on every sample doubles the calls.
    /// </summary>
    // LIMITATION: a daemon moved to another data root while the agent runs keeps reporting the old disk until restart.
    public async Task<HostMetrics> SampleAsync(CancellationToken cancellationToken)
    {
        if (_dockerRoot is null)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                _dockerRoot = await engine.GetDockerRootDirAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.DockerRootUnknown(logger, ex.GetType().Name);
            }
        }

        return collector.Sample(_dockerRoot);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            await SampleAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Debug, "Docker data root unknown for the disk metrics ({Reason})")]
        public static partial void DockerRootUnknown(ILogger logger, string reason);

        // Next free id in Telemetry: 6002.
    }
}
