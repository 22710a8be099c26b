using System.Globalization;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Edge;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Health;

internal static class HealthEndpoints
{
    public static IServiceCollection AddAgentHealth(this IServiceCollection services)
    {
        services.AddSingleton<AgentIdentity>();
        services.AddHealthChecks().AddCheck<DockerHealthCheck>("docker");
        return services;
    }

    public static WebApplication MapAgentHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Any method, as the original agent; no token needed.
        app.Map("/_hawser/health", HawserHealthAsync);
        app.Map("/_hawser/info", InfoAsync);
        app.MapHealthChecks("/health", new HealthCheckOptions { AllowCachingResponses = false });
        return app;
    }

    private static async Task<IResult> HawserHealthAsync(
        HealthCheckService health,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        if (report.Status != HealthStatus.Healthy)
        {
            return Results.Json(new { status = "unhealthy", message = "Docker daemon is not reachable" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        // Edge mode adds whether the tunnel is up; healthy while disconnected, as the original (spec 3.13).
        return services.GetService<EdgeStatus>() is { } edge
            ? Results.Json(new { status = "healthy", mode = "edge", connected = edge.Connected })
            : Results.Text("""{"status":"healthy"}""", "application/json");
    }

    private static async Task<IResult> InfoAsync(
        AgentIdentity identity,
        IDockerEngine engine,
        IOptions<HawserOptions> options,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        string dockerVersion;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            dockerVersion = (await engine.GetVersionAsync(timeout.Token).ConfigureAwait(false)).Version;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            dockerVersion = "unknown";
        }

        return Results.Json(new Dictionary<string, object>
        {
            ["agentId"] = identity.Id,
            ["agentName"] = identity.Name,
            ["dockerVersion"] = dockerVersion,
            ["hawserVersion"] = AgentVersion.Current,
            ["mode"] = options.Value.EffectiveMode == AgentMode.Edge ? "edge" : "standard",
            ["uptime"] = HostUptimeSeconds(),
            ["connected"] = services.GetService<EdgeStatus>()?.Connected ?? true,
        });
    }

    private static long HostUptimeSeconds()
    {
        try
        {
            var first = File.ReadAllText("/proc/uptime").Split(' ', 2)[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? (long)seconds
                : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
