using OpenTelemetry.Metrics;

namespace Hawser.Proxy.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddHawserTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<HostMetricsCollector>();
        services.AddSingleton<HawserMetrics>();
        services.AddSingleton<HostMetricsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<HostMetricsSampler>());
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(HawserMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            // Prometheus reserves _count for histograms and summaries; promtool rejects these runtime gauges as named.
            .AddView("dotnet.assembly.count", "dotnet.assemblies")
            .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
            .AddView("dotnet.thread_pool.thread.count", "dotnet.thread_pool.threads")
            .AddView("dotnet.timer.count", "dotnet.timers")
            .AddPrometheusExporter());
        return services;
    }

    /// <summary><c>/metrics</c>; who may read it is decided by the token middleware (MetricsOptions.Access).</summary>
    public static WebApplication MapHawserMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
