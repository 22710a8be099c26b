using Hawser.Proxy.Configuration;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Running behind a load balancer: forwarded headers believed from the trusted proxies only, and a bounded drain on
/// SIGTERM (the listener closes at once, open requests and streams get <see cref="ListenerOptions.DrainTimeout"/>).
/// </summary>
internal static partial class LoadBalancerSupport
{
    public static IServiceCollection AddLoadBalancerSupport(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HawserOptions>>((forwarded, hawser) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; here only the configured list counts.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            // Hops are peeled off from the right while each one is trusted, however many there are.
            forwarded.ForwardLimit = null;
            // The validator refused a bad list before start; nothing is trusted if one got here anyway.
            if (!TrustedProxyList.TryParse(hawser.Value.Listen.TrustedProxies, out var networks, out _))
            {
                return;
            }

            foreach (var network in networks)
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });
        services.AddOptions<HostOptions>().Configure<IOptions<HawserOptions>>((host, hawser) =>
            host.ShutdownTimeout = hawser.Value.Listen.DrainTimeout);
        return services;
    }

    public static WebApplication UseLoadBalancerSupport(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        var listen = app.Services.GetRequiredService<IOptions<HawserOptions>>().Value.Listen;
        if (!string.IsNullOrWhiteSpace(listen.TrustedProxies))
        {
            app.UseForwardedHeaders();
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LoadBalancerSupport));
        app.Lifetime.ApplicationStopping.Register(() => Log.Draining(logger, (int)listen.DrainTimeout.TotalSeconds));
        app.Lifetime.ApplicationStopped.Register(() => Log.Stopped(logger));
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(2026, LogLevel.Information,
            "Stopping: no new connections; open requests and streams get up to {DrainSeconds} s to end")]
        public static partial void Draining(ILogger logger, int drainSeconds);

        [LoggerMessage(2027, LogLevel.Information, "Stopped")]
        public static partial void Stopped(ILogger logger);
    }
}
