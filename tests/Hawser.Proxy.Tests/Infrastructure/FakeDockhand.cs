using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>
/// Plays the Dockhand side of the edge protocol as the spec describes it: a real WebSocket server on loopback at
/// /api/hawser/connect that checks the token in <c>hello</c>, answers a wrong one with an error frame and close
/// 1008, welcomes a good one (no environment id), pings every 5 s with JSON pings, and lets a second agent with the
/// same token replace the first.
/// </summary>
internal sealed class FakeDockhand : IAsyncDisposable
{
    private readonly string _token;
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonElement> _hellos = new();
    private readonly System.Threading.Channels.Channel<AgentLink> _agents =
        System.Threading.Channels.Channel.CreateUnbounded<AgentLink>();
    private AgentLink? _current;
    private int _attempts;

    private FakeDockhand(string token, WebApplication app)
    {
        _token = token;
        _app = app;
    }

    public int Port { get; private set; }

    public string Url => $"{(_tls ? "wss" : "ws")}://127.0.0.1:{Port}/api/hawser/connect";

    private bool _tls;

    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>WebSocket handshakes seen, successful or not.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public IReadOnlyCollection<JsonElement> Hellos => _hellos;

    /// <summary>The headers of every WebSocket upgrade request, for tests of proxy headers.</summary>
    public ConcurrentQueue<IHeaderDictionary> UpgradeHeaders { get; } = new();

    public AgentLink? Current => _current;

    public static async Task<FakeDockhand> StartAsync(
        string token,
        int port = 0,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var server = new FakeDockhand(token, app) { _tls = certificate is not null };
        app.UseWebSockets();
        app.Map("/api/hawser/connect", server.AcceptAsync);
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        return server;
    }

    /// <summary>Waits for the next agent handshake not yet taken by an earlier call.</summary>
    public Task<AgentLink> WaitForAgentAsync(TimeSpan timeout) => _agents.Reader.ReadAsync().AsTask().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        _current?.Abort();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 426;
            return;
        }

        Interlocked.Increment(ref _attempts);
        UpgradeHeaders.Enqueue(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var hello = await AgentLink.ReceiveAsync(socket, CancellationToken.None);
        if (hello is null)
        {
            return;
        }

        _hellos.Enqueue(hello.Value);
        var token = hello.Value.TryGetProperty("token", out var t) ? t.GetString() : null;
        if (token != _token)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"error","message":"Invalid token"}"""),
                WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "Invalid token", CancellationToken.None);
            return;
        }

        // Replacement: the new socket wins and the old one is destroyed without a close frame (spec 3.9).
        var link = new AgentLink(socket);
        Interlocked.Exchange(ref _current, link)?.Abort();
        await link.SendAsync("""{"type":"welcome","serverId":"dockhand","version":"1.0"}""");
        _agents.Writer.TryWrite(link);
        using var stop = new CancellationTokenSource();
        var pinging = PingAsync(link, stop.Token);
        await link.RunAsync();
        await stop.CancelAsync();
        await pinging;
    }

    private async Task PingAsync(AgentLink link, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(PingInterval, token);
                await link.PingAsync();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }
}
