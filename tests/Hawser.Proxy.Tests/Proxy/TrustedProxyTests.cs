using System.Net;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Tests.Proxy;

/// <summary>
/// Whom the agent believes the client is, for TCP peers that loopback tests cannot produce (a balancer on another
/// address). In-process: the agent's own forwarded-headers wiring in a test host that sets the peer address.
/// </summary>
public sealed class TrustedProxyTests
{
    [Theory]
    // A balancer that passes the client's header through: the client may claim loopback; it still is not.
    [InlineData("10.0.0.0/8", "10.0.0.5", "127.0.0.1", "remote 127.0.0.1")]
    // A proxy on this host in front of a local client.
    [InlineData("127.0.0.1", "127.0.0.1", "127.0.0.1", "loopback 127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1", "203.0.113.7", "remote 203.0.113.7")]
    // Nothing trusted: the header is ignored.
    [InlineData(null, "127.0.0.1", "203.0.113.7", "loopback 127.0.0.1")]
    [InlineData(null, "10.0.0.5", "127.0.0.1", "remote 10.0.0.5")]
    // An IPv4 peer seen on a dual-stack socket as ::ffff:a.b.c.d is matched by its IPv4 range.
    [InlineData("10.0.0.0/8", "::ffff:10.0.0.5", "203.0.113.9", "remote 203.0.113.9")]
    // A peer outside the list is not a proxy, whatever it sends.
    [InlineData("10.0.0.0/8", "192.168.1.20", "127.0.0.1", "remote 192.168.1.20")]
    public async Task Client_IsThePeerOrWhatATrustedProxyForwarded(
        string? trustedProxies, string peer, string forwardedFor, string expected)
    {
        await using var app = await StartAsync(trustedProxies);

        var context = await app.GetTestServer().SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(peer);
            c.Request.Headers["X-Forwarded-For"] = forwardedFor;
        });
        using var reader = new StreamReader(context.Response.Body);

        Assert.Equal(expected, await reader.ReadToEndAsync());
    }

    private static async Task<WebApplication> StartAsync(string? trustedProxies)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        var options = new HawserOptions();
        options.Listen.TrustedProxies = trustedProxies;
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddLoadBalancerSupport();
        var app = builder.Build();
        app.UseLoadBalancerSupport();
        app.Run(c => c.Response.WriteAsync(
            $"{(LoadBalancerSupport.IsFromLoopback(c) ? "loopback" : "remote")} {c.Connection.RemoteIpAddress}"));
        await app.StartAsync();
        return app;
    }
}
