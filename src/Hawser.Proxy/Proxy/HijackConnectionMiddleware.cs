using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Serves Docker's hijacked calls (<c>POST /exec/{id}/start</c> and <c>POST /containers/{id}/attach</c> with
/// <c>Connection: Upgrade</c>, <c>Upgrade: tcp</c>) on the raw connection, below Kestrel's HTTP pipeline: Kestrel
/// does not treat a request with a body as upgradable, so neither it nor YARP can relay Docker's 101 (spec 2.11).
/// Any other first request is handed to the HTTP pipeline with its bytes untouched.
/// </summary>
internal sealed partial class HijackConnectionMiddleware(
    DaemonHijack hijack,
    HawserMetrics metrics,
    TokenAuthenticator authenticator,
    ILogger<HijackConnectionMiddleware> logger)
{
    private const int MaxBodyBytes = 1024 * 1024;

    // A connection that sends nothing is closed after this, so idle sockets cannot pile up in front of Kestrel.
    private static readonly TimeSpan FirstRequestTimeout = TimeSpan.FromSeconds(30);

    // From the request head to Docker's answer: reading the body, dialling, Docker's response head.
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Upgrade", "Content-Length", "Transfer-Encoding", "Keep-Alive", "Proxy-Connection",
        "Proxy-Authorization", "TE", "Trailer", TokenAuthenticator.HeaderName,
    };

    private static ReadOnlySpan<byte> UpgradedHead =>
        "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"u8;

    private enum Verdict
    {
        NeedMore,
        Pass,
        Hijack,
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);

        // At shutdown Kestrel asks idle connections to close; one still waiting for its first request goes at once
        // instead of holding the drain for its whole timeout.
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            ?? CancellationToken.None;
        (HttpHead Head, byte[] Bytes)? head;
        try
        {
            head = await ReadHijackHeadAsync(connection.Transport.Input, closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException)
        {
            Log.FirstRequestTimedOut(logger, connection.ConnectionId);
            return;
        }

        if (head is null)
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        await ServeAsync(connection, head.Value.Head, head.Value.Bytes).ConfigureAwait(false);
    }

    private static async Task<(HttpHead Head, byte[] Bytes)?> ReadHijackHeadAsync(PipeReader input,
        CancellationToken closing)
    {
        // Not linked to ConnectionClosed, which Kestrel fires on the client's FIN even when the request and its
        // stdin arrived with it; a closed connection ends the read with IsCompleted instead.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(closing);
        timeout.CancelAfter(FirstRequestTimeout);
        while (true)
        {
            var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var verdict = Inspect(buffer, out var head, out var bytes);
            if (verdict == Verdict.Hijack)
            {
                input.AdvanceTo(buffer.GetPosition(bytes.Length));
                return (head!, bytes);
            }

            if (verdict == Verdict.Pass || result.IsCompleted || buffer.Length > HttpHead.MaxBytes)
            {
                // Nothing consumed or examined: Kestrel's parser reads the same bytes at once.
                input.AdvanceTo(buffer.Start, buffer.Start);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Decides from the first bytes; for a hijack, also returns the parsed head and its raw bytes.</summary>
    private static Verdict Inspect(in ReadOnlySequence<byte> buffer, out HttpHead? head, out byte[] bytes)
    {
        head = null;
        bytes = [];
        var prefix = "POST "u8;
        var seen = (int)Math.Min(buffer.Length, prefix.Length);
        Span<byte> start = stackalloc byte[prefix.Length];
        buffer.Slice(0, seen).CopyTo(start);
        if (!start[..seen].SequenceEqual(prefix[..seen]))
        {
            return Verdict.Pass;
        }

        var firstLine = HttpHead.FirstLine(buffer);
        if (firstLine is null)
        {
            return Verdict.NeedMore;
        }

        if (firstLine.Split(' ') is not [_, var target, _]
            || !DockerRoutes.IsHijackable("POST", target.Split('?', 2)[0]))
        {
            return Verdict.Pass;
        }

        var headLength = HttpHead.FindEnd(buffer);
        if (headLength < 0)
        {
            return Verdict.NeedMore;
        }

        bytes = buffer.Slice(0, headLength).ToArray();
        head = HttpHead.Parse(bytes);
        if (!head.HasToken("Connection", "upgrade") || string.IsNullOrEmpty(head["Upgrade"]))
        {
            return Verdict.Pass;
        }

        // A malformed upgrade head is still taken here (and refused), never handed to Kestrel half-read.
        return Verdict.Hijack;
    }

    private async Task ServeAsync(ConnectionContext connection, HttpHead head, byte[] headBytes)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;

        // Not ConnectionClosed: Kestrel fires it when the client half-closes, which a client that sends its
        // stdin at once and ends it may do before Docker has even answered.
        using var setup = new CancellationTokenSource(SetupTimeout);
        var cancellationToken = setup.Token;
        var (method, target, _) = head.RequestLine!.Value;
        if (!HttpHead.IsWellFormed(headBytes) || DockerRoutes.IsSuspicious(target))
        {
            await WriteErrorAsync(output, 400, "Malformed exec or attach request.").ConfigureAwait(false);
            return;
        }

        // Step 1: authenticate, exactly as the HTTP pipeline does.
        if (!authenticator.IsAuthorized(head[TokenAuthenticator.HeaderName], DockerRoutes.QueryToken(target)))
        {
            Log.HijackUnauthorized(logger, connection.RemoteEndPoint?.ToString());
            await WriteErrorAsync(output, 401, TokenAuthenticationMiddleware.UnauthorizedMessage).ConfigureAwait(false);
            return;
        }

        // Step 2: read the small JSON body that exec start carries.
        if (head["Transfer-Encoding"] is not null)
        {
            await WriteErrorAsync(output, 411, "Send exec and attach upgrades with Content-Length.").ConfigureAwait(false);
            return;
        }

        if (!long.TryParse(head["Content-Length"] ?? "0", NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > MaxBodyBytes)
        {
            await WriteErrorAsync(output, 413, "The exec or attach request body is too large.").ConfigureAwait(false);
            return;
        }

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(input, (int)length, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            body = null;
        }

        if (body is null)
        {
            return;
        }

        // Step 3: dial the daemon and send the request with the token removed.
        Stream daemon;
        try
        {
            daemon = await hijack.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            Log.HijackDaemonUnreachable(logger, ex);
            await WriteErrorAsync(output, 502, "The Docker daemon is not reachable from the agent.").ConfigureAwait(false);
            return;
        }

        await using (daemon.ConfigureAwait(false))
        {
            try
            {
                // Step 4: read Docker's answer; relay a refusal as it is, or switch both sides to raw bytes.
                var forwarded = head.Headers.Where(h => !NotForwarded.Contains(h.Key));
                var (daemonHead, daemonHeadBytes, early) = await DaemonHijack.SendAsync(daemon, method,
                    DockerRoutes.WithoutToken(target), forwarded, body, cancellationToken).ConfigureAwait(false);
                if (daemonHead is null)
                {
                    await WriteErrorAsync(output, 502, "The Docker daemon closed the connection.").ConfigureAwait(false);
                    return;
                }

                if (daemonHead.StatusCode != 101)
                {
                    await RelayRefusalAsync(daemon, output, daemonHead, daemonHeadBytes, early, cancellationToken)
                        .ConfigureAwait(false);
                    return;
                }

                await output.WriteAsync(DaemonHijack.Concat(UpgradedHead, early), cancellationToken)
                    .ConfigureAwait(false);
                Log.HijackStarted(logger, DockerRoutes.Unversioned(target.Split('?', 2)[0]).Split('/')[1]);
                KeepAlive(connection, daemon);

                // Step 5: copy both ways until Docker ends the session.
                metrics.ExecStarted("standard");
                var (sent, received, failure) = await PumpAsync(input, output, daemon).ConfigureAwait(false);
                metrics.ExecEnded("standard");
                metrics.BodyBytes("standard", "in", sent);
                metrics.BodyBytes("standard", "out", received);
                Log.HijackEnded(logger, sent, received + early.Length, failure ?? "none");
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                Log.HijackAborted(logger, ex.GetType().Name);
            }
        }
    }

    /// <summary>
    /// TCP keep-alive on both sides of a raw session: a peer that vanished (power loss, dropped NAT entry) is
    /// noticed within about a minute even while the session is silent, and the session is then closed.
    /// </summary>
    private static void KeepAlive(ConnectionContext connection, Stream daemon)
    {
        foreach (var socket in new[]
        {
            connection.Features.Get<IConnectionSocketFeature>()?.Socket,
            (daemon as NetworkStream)?.Socket,
        })
        {
            if (socket is null || socket.AddressFamily == AddressFamily.Unix)
            {
                continue;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(PipeReader input, int length, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return [];
        }

        while (true)
        {
            var result = await input.ReadAtLeastAsync(length, cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length >= length)
            {
                var body = result.Buffer.Slice(0, length).ToArray();
                input.AdvanceTo(result.Buffer.GetPosition(length));
                return body;
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    private static async Task RelayRefusalAsync(
        Stream daemon,
        PipeWriter output,
        HttpHead daemonHead,
        byte[] headBytes,
        byte[] early,
        CancellationToken cancellationToken)
    {
        // Docker answers a missing exec or a stopped container with a short JSON error and Content-Length.
        // Without a length, copy until Docker closes, within a bound.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        await output.WriteAsync(DaemonHijack.Concat(headBytes, early), bounded.Token).ConfigureAwait(false);
        long remaining = long.TryParse(daemonHead["Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture,
            out var length) ? length - early.Length : long.MaxValue;
        var chunk = new byte[16 * 1024];
        while (remaining > 0)
        {
            var read = await daemon.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, remaining)), bounded.Token)
                .ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            await output.WriteAsync(chunk.AsMemory(0, read), bounded.Token).ConfigureAwait(false);
            remaining -= read;
        }
    }

    private static async Task<(long Sent, long Received, string? Failure)> PumpAsync(
        PipeReader input,
        PipeWriter output,
        Stream daemon)
    {
        // Not linked to ConnectionClosed: Kestrel fires it as soon as the client half-closes, while Docker's
        // output must still be read to the end. A client that is really gone fails the next write instead.
        using var stop = new CancellationTokenSource();
        var upstream = CopyClientToDaemonAsync(input, daemon, stop.Token);
        var downstream = CopyDaemonToClientAsync(daemon, output, stop.Token);

        // The client ending its input is a half-close, not the end: Docker's output is still read to the end.
        // The session ends when Docker closes, or when either side fails.
        var first = await Task.WhenAny(upstream, downstream).ConfigureAwait(false);
        if (first == downstream || first.Result.Failure is not null)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        var (sent, upFailure) = await upstream.ConfigureAwait(false);
        var (received, downFailure) = await downstream.ConfigureAwait(false);
        var failure = first == downstream ? downFailure ?? upFailure : upFailure ?? downFailure;
        return (sent, received, failure);
    }

    private static async Task<(long Bytes, string? Failure)> CopyClientToDaemonAsync(
        PipeReader input,
        Stream daemon,
        CancellationToken cancellationToken)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await daemon.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                    total += segment.Length;
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    DockerConnector.ShutdownWrite(daemon);
                    return (total, null);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (total, null);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ConnectionResetException
            or ConnectionAbortedException)
        {
            // An abort (Kestrel's, at the end of a drain) is a failure, so the daemon side is stopped too.
            return (total, "client to daemon: " + ex.GetType().Name);
        }
    }

    private static async Task<(long Bytes, string? Failure)> CopyDaemonToClientAsync(
        Stream daemon,
        PipeWriter output,
        CancellationToken cancellationToken)
    {
        long total = 0;
        try
        {
            while (true)
            {
                var memory = output.GetMemory(16 * 1024);
                var read = await daemon.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (total, null);
                }

                output.Advance(read);
                total += read;
                var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return (total, "daemon to client: client closed");
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (total, null);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ConnectionResetException)
        {
            return (total, "daemon to client: " + ex.GetType().Name);
        }
    }

    private static async Task WriteErrorAsync(PipeWriter output, int status, string message)
    {
        var json = ErrorResponses.Json(message);
        var head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\nContent-Type: application/json\r\n"
            + $"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\nConnection: close\r\n\r\n");
        await output.WriteAsync(Encoding.UTF8.GetBytes(head + json)).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(2020, LogLevel.Debug, "Docker {Kind} session upgraded to a raw stream")]
        public static partial void HijackStarted(ILogger logger, string kind);

        [LoggerMessage(2021, LogLevel.Debug,
            "Docker raw stream ended: {SentBytes} bytes to Docker, {ReceivedBytes} bytes back, failure {Failure}")]
        public static partial void HijackEnded(ILogger logger, long sentBytes, long receivedBytes, string failure);

        [LoggerMessage(2022, LogLevel.Debug, "Rejected an exec/attach upgrade from {RemoteAddress}: missing or wrong token")]
        public static partial void HijackUnauthorized(ILogger logger, string? remoteAddress);

        [LoggerMessage(2023, LogLevel.Warning, "Docker daemon not reachable for an exec/attach upgrade")]
        public static partial void HijackDaemonUnreachable(ILogger logger, Exception exception);

        [LoggerMessage(2024, LogLevel.Debug, "Docker raw stream aborted ({Reason})")]
        public static partial void HijackAborted(ILogger logger, string reason);

        [LoggerMessage(2025, LogLevel.Debug, "Connection {ConnectionId} sent no request in time; closed")]
        public static partial void FirstRequestTimedOut(ILogger logger, string connectionId);

        // Next free id in Proxy: 2026.
    }
}
