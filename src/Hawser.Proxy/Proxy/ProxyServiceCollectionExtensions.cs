using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Hawser.Proxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Proxy;

internal static class ProxyServiceCollectionExtensions
{
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static readonly CipherSuitesPolicy CipherSuites = new(
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]);

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
                    if (!OperatingSystem.IsWindows())
                    {
                        // The original agent's TLS 1.2 suites (spec 2.1): ECDHE with AES-GCM or ChaCha20 only.
                        https.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = CipherSuites;
                    }
                });
            }

            // After UseHttps, so the hijack sees decrypted bytes. Edge mode serves no Docker API on its port.
            if (options.Value.EffectiveMode == AgentMode.Standard)
            {
                listenOptions.Use(next => connection => hijack.OnConnectionAsync(connection, next));
            }
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
