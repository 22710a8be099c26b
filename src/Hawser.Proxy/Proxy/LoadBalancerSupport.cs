using System.Net;
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
    private static readonly object PeerKey = new();
    private static readonly TimeSpan EdgeCloseAllowance = TimeSpan.FromSeconds(5);

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
        // Edge mode does not drain: it closes the tunnel with 1001 at once, and needs a moment for that close.
        services.AddOptions<HostOptions>().Configure<IOptions<HawserOptions>>((host, hawser) =>
            host.ShutdownTimeout = hawser.Value.EffectiveMode == AgentMode.Edge
                ? TimeSpan.FromTicks(Math.Max(hawser.Value.Listen.DrainTimeout.Ticks, EdgeCloseAllowance.Ticks))
                : hawser.Value.Listen.DrainTimeout);
        return services;
    }

    public static WebApplication UseLoadBalancerSupport(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        var hawser = app.Services.GetRequiredService<IOptions<HawserOptions>>().Value;
        var listen = hawser.Listen;
        if (!string.IsNullOrWhiteSpace(listen.TrustedProxies))
        {
            // The TCP peer is kept: a rule about loopback must hold for the peer as well as for the client it
            // forwards, or a balancer that passes the header through would let anyone claim 127.0.0.1.
            app.Use((context, next) =>
            {
                context.Items[PeerKey] = context.Connection.RemoteIpAddress;
                return next(context);
            });
            app.UseForwardedHeaders();
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LoadBalancerSupport));
        if (hawser.EffectiveMode == AgentMode.Standard)
        {
            app.Lifetime.ApplicationStopping.Register(() => Log.Draining(logger, (int)listen.DrainTimeout.TotalSeconds));
        }

        app.Lifetime.ApplicationStopped.Register(() => Log.Stopped(logger));
        return app;
    }

    /// <summary>True when both the TCP peer and the client it may have forwarded for are on loopback.</summary>
    public static bool IsFromLoopback(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var peer = context.Items.TryGetValue(PeerKey, out var saved) ? saved as IPAddress : context.Connection.RemoteIpAddress;
        return peer is not null && IPAddress.IsLoopback(peer)
            && context.Connection.RemoteIpAddress is { } client && IPAddress.IsLoopback(client);
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
