using System.Net;
using System.Security.Authentication;
using Hawser.Proxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Proxy;

internal static class ProxyServiceCollectionExtensions
{
    public static IServiceCollection AddDockerProxy(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<DockerForwarder>();
        services.AddSingleton<DaemonHijack>();
        services.AddSingleton<HijackConnectionMiddleware>();
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<HawserOptions>, HijackConnectionMiddleware>(ConfigureListener);
        return services;
    }

    public static WebApplication MapDockerProxy(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        var forwarder = app.Services.GetRequiredService<DockerForwarder>();
        app.Map("/{**path}", forwarder.ForwardAsync);
        return app;
    }

    public static IApplicationBuilder UseTokenAuthentication(this IApplicationBuilder app) =>
        app.UseMiddleware<TokenAuthenticationMiddleware>();

    private static void ConfigureListener(
        KestrelServerOptions kestrel,
        IOptions<HawserOptions> options,
        HijackConnectionMiddleware hijack)
    {
        var listen = options.Value.Listen;
        kestrel.AddServerHeader = false;
        if (!ListenerAddress.TryParse(ListenerAddress.Effective(options.Value), out var address))
        {
            throw new InvalidOperationException("The listen address was not validated before start.");
        }

        void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listenOptions)
        {
            // HTTP/1.1 only: an exec/attach hijack cannot cross HTTP/2, and Dockhand speaks HTTP/1.1.
            listenOptions.Protocols = HttpProtocols.Http1;
            if (!string.IsNullOrEmpty(listen.TlsCertPath) && !string.IsNullOrEmpty(listen.TlsKeyPath))
            {
                TlsCertificateLoader.TryLoad(listen.TlsCertPath, listen.TlsKeyPath, out var certificate);
                listenOptions.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                });
            }

            // After UseHttps, so the hijack sees decrypted bytes.
            listenOptions.Use(next => connection => hijack.OnConnectionAsync(connection, next));
        }

        if (address!.Equals(IPAddress.IPv6Any))
        {
            kestrel.ListenAnyIP(listen.Port, Configure);
        }
        else
        {
            kestrel.Listen(address, listen.Port, Configure);
        }
    }
}
