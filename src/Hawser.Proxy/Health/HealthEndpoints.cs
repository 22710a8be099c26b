using System.Globalization;
using System.Text.Json.Serialization;
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
            return Results.Json(new HealthReply("unhealthy", Message: "Docker daemon is not reachable"),
                HawserJson.Default.HealthReply, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        // Edge mode adds whether the tunnel is up; healthy while disconnected, as the original (spec 3.13).
        return services.GetService<EdgeStatus>() is { } edge
            ? Results.Json(new HealthReply("healthy", Mode: "edge", Connected: edge.Connected), HawserJson.Default.HealthReply)
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

        return Results.Json(new InfoReply(
            identity.Id,
            identity.Name,
            dockerVersion,
            AgentVersion.Current,
            options.Value.EffectiveMode == AgentMode.Edge ? "edge" : "standard",
            HostUptimeSeconds(),
            services.GetService<EdgeStatus>()?.Connected ?? true), HawserJson.Default.InfoReply);
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

/// <summary>The body of <c>/_hawser/health</c>; absent fields are left out.</summary>
internal sealed record HealthReply(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string? Message = null,
    [property: JsonPropertyName("mode")] string? Mode = null,
    [property: JsonPropertyName("connected")] bool? Connected = null);

/// <summary>The body of <c>/_hawser/info</c> (spec 3.13).</summary>
internal sealed record InfoReply(
    [property: JsonPropertyName("agentId")] string AgentId,
    [property: JsonPropertyName("agentName")] string AgentName,
    [property: JsonPropertyName("dockerVersion")] string DockerVersion,
    [property: JsonPropertyName("hawserVersion")] string HawserVersion,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("uptime")] long Uptime,
    [property: JsonPropertyName("connected")] bool Connected);
