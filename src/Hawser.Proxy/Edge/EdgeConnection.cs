using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Health;
using Hawser.Proxy.Proxy;
using Hawser.Proxy.Telemetry;
using Microsoft.Extensions.Options;
using static Hawser.Proxy.JsonFields;

namespace Hawser.Proxy.Edge;

/// <summary>
/// One WebSocket session with Dockhand (spec 3.3): connect, <c>hello</c>, wait for <c>welcome</c>, then serve
/// frames until the link ends. Everything the session started (requests, streams, exec sessions) ends with it.
/// </summary>
internal sealed partial class EdgeConnection(
    IOptions<HawserOptions> options,
    AgentIdentity identity,
    IDockerEngine engine,
    DaemonHijack hijack,
    TunnelRequestHandler requests,
    ContainerEventForwarder events,
    HostMetricsSampler hostMetrics,
    HawserMetrics metrics,
    Compose.ComposeRunner compose,
    EdgeStatus status,
    TimeProvider time,
    ILogger<EdgeConnection> logger)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    // Fixed by the protocol (spec 4): Dockhand plots one point per frame.
    private static readonly TimeSpan MetricsPeriod = TimeSpan.FromSeconds(30);

    /// <summary>What this build can always do; <c>compose</c> is added when a compose command really works.</summary>
    private static readonly string[] Capabilities = ["exec", "metrics", "events"];

    public async Task<EdgeSessionResult> RunSessionAsync(CancellationToken stoppingToken)
    {
        var edge = options.Value.Edge;
        var uri = new Uri(edge.ServerUrl!);
        var display = $"{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}";
        using var socket = new ClientWebSocket();

        // Step 1: connect.
        try
        {
            Configure(socket.Options, edge);
            using var connecting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            connecting.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(uri, connecting.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is WebSocketException
            or HttpRequestException or OperationCanceledException or IOException
            or System.Security.Cryptography.CryptographicException)
        {
            Log.ConnectFailed(logger, display, ex.Message);
            return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.None, null);
        }

        // Step 2: hello, the first and only handshake message.
        var dockerVersion = await DockerVersionAsync(stoppingToken).ConfigureAwait(false);
        string[] capabilities = await compose.DetectAsync(stoppingToken).ConfigureAwait(false) is null
            ? Capabilities
            : [.. Capabilities, "compose"];
        var hello = EdgeFrames.Hello(AgentVersion.Current, identity.Id, identity.Name, options.Value.Token!,
            dockerVersion, AgentIdentity.HostName(), capabilities);
        await socket.SendAsync(hello, WebSocketMessageType.Text, true, stoppingToken).ConfigureAwait(false);

        // Step 3: welcome, or the server's refusal.
        var buffer = new ArrayBufferWriter<byte>(4096);
        var rejection = await AwaitWelcomeAsync(socket, buffer, edge, stoppingToken).ConfigureAwait(false);
        if (rejection is not null)
        {
            return rejection;
        }

        // Step 4: serve until the link ends.
        var connectedAt = time.GetUtcNow();
        status.SetConnected(true);
        metrics.EdgeConnected(true);
        Log.Connected(logger, display, identity.Id);
        string reason;
        try
        {
            reason = await ServeAsync(socket, buffer, edge, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            status.SetConnected(false);
            metrics.EdgeConnected(false);
        }

        var connectedFor = time.GetUtcNow() - connectedAt;
        Log.Disconnected(logger, display, reason, (long)connectedFor.TotalSeconds);
        return new EdgeSessionResult(true, connectedFor, EdgeRejection.None, null);
    }

    private static void Configure(ClientWebSocketOptions socketOptions, EdgeOptions edge)
    {
        // Only application JSON pings count as heartbeats on the server (spec 3.8); protocol pings add nothing.
        socketOptions.KeepAliveInterval = TimeSpan.Zero;
        socketOptions.SetRequestHeader("User-Agent", "Hawser.Proxy/" + AgentVersion.Current);
        foreach (var (name, value) in edge.Headers)
        {
            socketOptions.SetRequestHeader(name, value);
        }

        if (edge.DangerousSkipTlsVerify)
        {
#pragma warning disable CA5359 // The operator asked for no verification (TLS_SKIP_VERIFY); start-up warns loudly.
            socketOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (!string.IsNullOrEmpty(edge.CaCertPath))
        {
            // Read at every attempt, as the original agent does: a renewed bundle takes effect on reconnect.
            socketOptions.RemoteCertificateValidationCallback = EdgeTls.TrustOnly(edge.CaCertPath);
        }
    }

    private async Task<string> DockerVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            return (await engine.GetVersionAsync(timeout.Token).ConfigureAwait(false)).Version;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return "unknown";
        }
    }

    private async Task<EdgeSessionResult?> AwaitWelcomeAsync(
        ClientWebSocket socket,
        ArrayBufferWriter<byte> buffer,
        EdgeOptions edge,
        CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        waiting.CancelAfter(edge.WelcomeTimeout);
        try
        {
            while (true)
            {
                var message = await ReceiveAsync(socket, buffer, edge.MaxMessageBytes, waiting.Token).ConfigureAwait(false);
                if (message is null)
                {
                    Log.ClosedBeforeWelcome(logger, socket.CloseStatus?.ToString() ?? "none", socket.CloseStatusDescription ?? "");
                    return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Other, null);
                }

                using var document = JsonDocument.Parse(message.Value);
                var root = document.RootElement;
                var type = root.ValueKind == JsonValueKind.Object ? Text(root, "type") : null;
                if (type == "welcome")
                {
                    return null;
                }

                if (type == "error")
                {
                    return Rejected(Text(root, "message") ?? Text(root, "error") ?? "",
                        root.TryGetProperty("retryAfter", out var retry) && retry.TryGetInt32(out var seconds)
                            ? TimeSpan.FromSeconds(seconds) : null);
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            Log.WelcomeTimedOut(logger, (long)edge.WelcomeTimeout.TotalSeconds);
            return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Other, null);
        }
        catch (Exception ex) when (ex is WebSocketException or JsonException or InvalidOperationException
            or MessageTooLargeException)
        {
            Log.HandshakeFailed(logger, ex.Message);
            return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Other, null);
        }
    }

    private EdgeSessionResult Rejected(string reason, TimeSpan? retryAfter)
    {
        if (reason.Contains("throttled", StringComparison.OrdinalIgnoreCase))
        {
            Log.Throttled(logger, reason);
            return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Throttled, retryAfter);
        }

        if (reason.Contains("token", StringComparison.OrdinalIgnoreCase)
            || reason.Contains("failed attempts", StringComparison.OrdinalIgnoreCase))
        {
            Log.TokenRefused(logger, reason);
            return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Credentials, null);
        }

        Log.ServerRefused(logger, reason);
        return new EdgeSessionResult(false, TimeSpan.Zero, EdgeRejection.Other, retryAfter);
    }

    private async Task<string> ServeAsync(
        ClientWebSocket socket,
        ArrayBufferWriter<byte> buffer,
        EdgeOptions edge,
        CancellationToken stoppingToken)
    {
        // Not linked to stoppingToken: on shutdown the queued frames go out and the link is closed with 1001
        // before the reads are cancelled (cancelling a read aborts the socket without a close frame).
        using var session = new CancellationTokenSource();
        var writer = new EdgeWriter(socket, SendTimeout);
        var handlers = new ConcurrentDictionary<Task, byte>();
        string reason;
        await using (var execs = new ExecSessions(writer, engine, hijack, logger, session.Token))
        {
            var writing = writer.RunAsync(session.Token);
            var beating = HeartbeatAsync(writer, edge.HeartbeatInterval, session.Token);
            var reading = ReadLoopAsync(socket, buffer, writer, execs, handlers, edge, session.Token);
            var reporting = Quietly(ReportMetricsAsync(writer, session.Token));
            var forwarding = Quietly(events.PumpAsync(writer, session.Token));
            var stopping = Task.Delay(Timeout.Infinite, stoppingToken);
            var first = await Task.WhenAny(reading, writing, beating, stopping).ConfigureAwait(false);
            if (first == stopping)
            {
                reason = "agent stopping";
                writer.Complete();
                await Quietly(writing.WaitAsync(CloseTimeout, CancellationToken.None)).ConfigureAwait(false);
                await CloseQuietlyAsync(socket).ConfigureAwait(false);
                await Quietly(reading.WaitAsync(CloseTimeout, CancellationToken.None)).ConfigureAwait(false);
            }
            else
            {
                reason = first == reading && reading.IsCompletedSuccessfully
                    ? reading.Result
                    : Describe(first.Exception);
            }

            await session.CancelAsync().ConfigureAwait(false);
            writer.Complete();
            socket.Abort();
            await Quietly(reading).ConfigureAwait(false);
            await Quietly(writing).ConfigureAwait(false);
            await Quietly(beating).ConfigureAwait(false);
            await reporting.ConfigureAwait(false);
            await forwarding.ConfigureAwait(false);
            await Task.WhenAll(handlers.Keys).ConfigureAwait(false);
        }

        return reason;
    }

    private async Task<string> ReadLoopAsync(
        ClientWebSocket socket,
        ArrayBufferWriter<byte> buffer,
        EdgeWriter writer,
        ExecSessions execs,
        ConcurrentDictionary<Task, byte> handlers,
        EdgeOptions edge,
        CancellationToken token)
    {
        var deadLink = edge.EffectiveDeadLinkTimeout;
        while (true)
        {
            ReadOnlyMemory<byte>? message;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                deadline.CancelAfter(deadLink);
                try
                {
                    // The deadline restarts with every fragment: a large upload on a slow link is not a dead link.
                    message = await ReceiveAsync(socket, buffer, edge.MaxMessageBytes, deadline.Token,
                        () => deadline.CancelAfter(deadLink)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    return $"no frame from the server for {(long)deadLink.TotalSeconds} s";
                }
                catch (MessageTooLargeException tooLarge)
                {
                    await RefuseOversizedAsync(writer, tooLarge.Head, edge.MaxMessageBytes, token).ConfigureAwait(false);
                    continue;
                }
            }

            if (message is null)
            {
                return $"server closed the link ({socket.CloseStatus?.ToString() ?? "no status"})";
            }

            Dispatch(message.Value, writer, execs, handlers, token);

            // A large request grew the buffer; it is not kept at that size for the rest of the session.
            if (buffer.Capacity > 4 * 1024 * 1024)
            {
                buffer = new ArrayBufferWriter<byte>(64 * 1024);
            }
        }
    }

    private void Dispatch(
        ReadOnlyMemory<byte> message,
        EdgeWriter writer,
        ExecSessions execs,
        ConcurrentDictionary<Task, byte> handlers,
        CancellationToken token)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            Log.MalformedFrame(logger, message.Length);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Log.MalformedFrame(logger, message.Length);
                return;
            }

            try
            {
                DispatchFrame(root, writer, execs, handlers, token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
            {
                // A field of the wrong type or invalid UTF-8 inside a string: this frame is dropped, the link stays.
                Log.MalformedFrame(logger, message.Length);
            }
        }
    }

    private void DispatchFrame(
        JsonElement root,
        EdgeWriter writer,
        ExecSessions execs,
        ConcurrentDictionary<Task, byte> handlers,
        CancellationToken token)
    {
        {
            var type = Text(root, "type") ?? "";
            switch (type)
            {
                case "ping":
                    _ = writer.SendAsync(EdgeFrames.Pong(time.GetUtcNow().ToUnixTimeSeconds()), false, token).AsTask();
                    break;
                case "request":
                    StartRequest(root, writer, handlers, token);
                    break;
                case "stream_end":
                    if (Text(root, "requestId") is { } cancelled)
                    {
                        requests.Cancel(cancelled);
                    }

                    break;
                case "exec_start" or "exec_input" or "exec_resize" or "exec_end":
                    execs.Handle(type, root);
                    break;
                case "error":
                    Log.ServerError(logger, Text(root, "message") ?? Text(root, "error") ?? "");
                    break;
                case "pong":
                    if (Interlocked.Exchange(ref _pingSent, 0) is var sent and > 0)
                    {
                        metrics.HeartbeatRoundTrip(time.GetElapsedTime(sent));
                    }

                    break;
                case "welcome":
                    break;
                default:
                    Log.UnknownFrame(logger, type);
                    break;
            }
        }
    }

    private void StartRequest(JsonElement root, EdgeWriter writer, ConcurrentDictionary<Task, byte> handlers,
        CancellationToken token)
    {
        var requestId = Text(root, "requestId");
        if (string.IsNullOrEmpty(requestId))
        {
            Log.FrameWithoutRequestId(logger);
            return;
        }

        Task task;
        var request = TunnelRequest.TryParse(root, requestId, out var error);
        if (request is null)
        {
            var streaming = JsonFields.Flag(root, "streaming");
            var refused = new TunnelRequest(requestId, "GET", "/", new Dictionary<string, string>(), null, streaming);
            task = Quietly(TunnelRequestHandler.RefuseAsync(refused, writer, 400, error!, token));
        }
        else
        {
            // Registered here, in frame order, so a stream_end right behind the request finds it.
            var cancellation = requests.Register(requestId, token);
            task = Task.Run(() => Quietly(requests.HandleAsync(request, cancellation, writer, token)),
                CancellationToken.None);
        }

        handlers.TryAdd(task, 0);
        _ = task.ContinueWith(t => handlers.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task HeartbeatAsync(EdgeWriter writer, TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            Interlocked.Exchange(ref _pingSent, time.GetTimestamp());
            await writer.SendAsync(EdgeFrames.Ping(time.GetUtcNow().ToUnixTimeSeconds()), false, token)
                .ConfigureAwait(false);
        }
    }

    private long _pingSent;

    /// <summary>A metrics frame at once (the first sample is measured against the agent's start), then every 30 s.</summary>
    private async Task ReportMetricsAsync(EdgeWriter writer, CancellationToken token)
    {
        using var timer = new PeriodicTimer(MetricsPeriod, time);
        do
        {
            var sample = await hostMetrics.SampleAsync(token).ConfigureAwait(false);
            await writer.SendAsync(EdgeFrames.Metrics(sample, time.GetUtcNow().ToUnixTimeSeconds()), false, token)
                .ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
    }

    /// <summary>
    /// Dockhand writes <c>type, requestId, method, path, headers</c> before <c>body</c>, so the id of an oversized
    /// request can be read from its first bytes and answered with 413 while the link stays up (spec 3.5.6).
    /// </summary>
    private async Task RefuseOversizedAsync(EdgeWriter writer, byte[] head, long limit, CancellationToken token)
    {
        var match = RequestIdPattern().Match(Encoding.UTF8.GetString(head));
        Log.OversizedFrame(logger, limit);
        if (match.Success)
        {
            await writer.SendBySizeAsync(EdgeFrames.ErrorResponse(match.Groups[1].Value, 413,
                "The request is larger than this agent accepts (MAX_MESSAGE_SIZE_MB)."), token).ConfigureAwait(false);
        }
    }

    [GeneratedRegex("\"requestId\"\\s*:\\s*\"([^\"]{1,128})\"", RegexOptions.CultureInvariant)]
    private static partial Regex RequestIdPattern();

    /// <summary>One whole message, or null when the server closed; past the limit the rest is read and dropped.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReceiveAsync(
        ClientWebSocket socket,
        ArrayBufferWriter<byte> buffer,
        long limit,
        CancellationToken token,
        Action? onFragment = null)
    {
        buffer.ResetWrittenCount();
        var tooLarge = false;
        byte[]? head = null;
        while (true)
        {
            var memory = buffer.GetMemory(64 * 1024);
            var result = await socket.ReceiveAsync(memory, token).ConfigureAwait(false);
            onFragment?.Invoke();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            if (!tooLarge)
            {
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > limit)
                {
                    tooLarge = true;
                    head = buffer.WrittenSpan[..Math.Min(buffer.WrittenCount, 2048)].ToArray();
                    buffer.ResetWrittenCount();
                }
            }

            if (result.EndOfMessage)
            {
                return tooLarge ? throw new MessageTooLargeException(head!) : buffer.WrittenMemory;
            }
        }
    }

    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "Agent shutting down", timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The link is already gone; nothing else to tell the server.
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or TimeoutException
            or IOException or ObjectDisposedException or System.Threading.Channels.ChannelClosedException)
        {
            // Ending the session is what stopped it.
        }
    }

    private static string Describe(Exception? exception) =>
        exception?.InnerException?.Message ?? exception?.Message ?? "stopped";


    private sealed class MessageTooLargeException(byte[] head) : Exception("message over the configured limit")
    {
        public byte[] Head { get; } = head;
    }
}
