using Hawser.Proxy.Docker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hawser.Proxy.Health;

/// <summary>Healthy while the daemon answers <c>/_ping</c> within a few seconds.</summary>
internal sealed partial class DockerHealthCheck(IDockerEngine engine, ILogger<DockerHealthCheck> logger) : IHealthCheck
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context,
        CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PingTimeout);
        try
        {
            await engine.PingAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("Docker daemon answers");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.DockerUnhealthy(logger, ex);
            return HealthCheckResult.Unhealthy("Docker daemon is not reachable");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Warning, "Docker daemon did not answer its health ping")]
        public static partial void DockerUnhealthy(ILogger logger, Exception exception);

        // Next free id in Health: 5002.
    }
}
