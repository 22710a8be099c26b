using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Proxy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Hawser.Proxy.Edge;

/// <summary>
/// Serves <c>request</c> frames through the same <see cref="DockerForwarder"/> as standard mode: each request
/// becomes an <see cref="HttpContext"/> whose response features turn YARP's output into <c>response</c> and
/// <c>stream</c> frames. Every request gets exactly one <c>response</c>, or, when streaming, at most one
/// <c>response</c> followed by <c>stream</c> frames and exactly one <c>stream_end</c> (spec 3.6).
/// </summary>
internal sealed partial class TunnelRequestHandler(
    DockerForwarder forwarder,
    Compose.ComposeRunner compose,
    IOptions<HawserOptions> options,
    TimeProvider time,
    ILogger<TunnelRequestHandler> logger)
{
    // Dockhand itself waits 300 s for prunes (spec 3.6); a shorter deadline here would only cut them off.
    private static readonly TimeSpan PruneDeadline = TimeSpan.FromSeconds(300);
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new();

    /// <summary>The server's <c>stream_end</c>: the caller went away, so the Docker request is cancelled.</summary>
    public void Cancel(string requestId)
    {
        if (_inFlight.TryGetValue(requestId, out var cancellation))
        {
            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request ended at the same moment.
            }
        }
    }

    /// <summary>
    /// Registers the request for cancellation before it runs, so a <c>stream_end</c> that follows at once is not
    /// lost; returns null for a duplicate id.
    /// </summary>
    public CancellationTokenSource? Register(string requestId, CancellationToken sessionToken)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
        if (_inFlight.TryAdd(requestId, cancellation))
        {
            return cancellation;
        }

        cancellation.Dispose();
        return null;
    }

    public async Task HandleAsync(
        TunnelRequest request,
        CancellationTokenSource? cancellation,
        EdgeWriter writer,
        CancellationToken sessionToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(writer);

        if (cancellation is null)
        {
            await RefuseAsync(request, writer, 400, "A request with this requestId is already running.", sessionToken)
                .ConfigureAwait(false);
            return;
        }

        var answered = false;
        try
        {
            if (request.Path.Split('?', 2)[0] == "/_hawser/compose")
            {
                answered = true;
                await ServeComposeAsync(request, writer, cancellation.Token, sessionToken).ConfigureAwait(false);
                return;
            }

            answered = true;
            if (request.Streaming)
            {
                await ServeStreamingAsync(request, writer, cancellation.Token, sessionToken).ConfigureAwait(false);
            }
            else
            {
                await ServeBufferedAsync(request, writer, cancellation.Token, sessionToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (sessionToken.IsCancellationRequested)
        {
            // The link went down; the server has already failed this request on its side.
        }
        catch (Exception ex) when (!request.Streaming && ex is not OperationCanceledException
            and not System.Threading.Channels.ChannelClosedException)
        {
            // Every request gets a response (spec 3.6), even when this agent fails on it.
            Log.RequestFailed(logger, request.Method, ex);
            if (answered)
            {
                await Quietly(ReplyAsync(request, writer, 500, "The agent failed on this request.", sessionToken))
                    .ConfigureAwait(false);
            }
        }
        finally
        {
            _inFlight.TryRemove(request.RequestId, out _);
            cancellation.Dispose();
        }
    }

    /// <summary>
    /// A refusal; a streaming caller that only listens for stream frames (log follow, pull) also gets its
    /// <c>stream_end</c>, or it would wait forever.
    /// </summary>
    public static async Task RefuseAsync(TunnelRequest request, EdgeWriter writer, int status, string message,
        CancellationToken sessionToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(writer);

        await writer.SendAsync(EdgeFrames.ErrorResponse(request.RequestId, status, message), request.Streaming,
            sessionToken).ConfigureAwait(false);
        if (request.Streaming)
        {
            await writer.SendAsync(EdgeFrames.StreamEnd(request.RequestId), bulk: true, sessionToken)
                .ConfigureAwait(false);
        }
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
        }
    }

    /// <summary>A compose operation: one response, 200 or 500 (400 for a bad payload), body the JSON result (spec 3.5.5).</summary>
    private async Task ServeComposeAsync(
        TunnelRequest request,
        EdgeWriter writer,
        CancellationToken requestToken,
        CancellationToken sessionToken)
    {
        Compose.ComposeResult result;
        try
        {
            using var body = JsonDocument.Parse(request.Body ?? []);
            result = await compose.ExecuteAsync(Compose.ComposeOperation.Parse(body.RootElement), requestToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            result = Compose.ComposeResult.Refused("Invalid request body: " + ex.Message);
        }

        await writer.SendBySizeAsync(EdgeFrames.Response(request.RequestId, Compose.ComposeEndpoints.StatusOf(result), [],
            result.ToJson(), isBinary: false), sessionToken).ConfigureAwait(false);
    }

    private async Task ServeBufferedAsync(
        TunnelRequest request,
        EdgeWriter writer,
        CancellationToken requestToken,
        CancellationToken sessionToken)
    {
        var body = new BufferedTunnelBody();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestToken);
        var timeout = options.Value.Proxy.RequestTimeout;
        deadline.CancelAfter(request.Path.Split('?', 2)[0].EndsWith("/prune", StringComparison.Ordinal)
            && timeout < PruneDeadline ? PruneDeadline : timeout);
        var context = CreateContext(request, body, deadline.Token);
        await forwarder.ForwardAsync(context).ConfigureAwait(false);
        await ((TunnelResponse)context.Features.Get<IHttpResponseFeature>()!).CompleteAsync().ConfigureAwait(false);
        if (deadline.IsCancellationRequested && !requestToken.IsCancellationRequested)
        {
            Log.RequestTimedOut(logger, request.Method, (long)timeout.TotalSeconds);
            await ReplyAsync(request, writer, 504, "The Docker daemon did not answer within REQUEST_TIMEOUT.",
                sessionToken).ConfigureAwait(false);
            return;
        }

        if (context.GetForwarderErrorFeature() is { Error: not ForwarderError.None } && body.Started
            && !body.Overflowed)
        {
            // Docker failed mid-body: what arrived is not the answer, so it is not passed on as a success.
            await ReplyAsync(request, writer, 502, "The Docker response broke off before its end.", sessionToken)
                .ConfigureAwait(false);
            return;
        }

        if (body.Overflowed)
        {
            Log.ResponseTooLarge(logger, request.Method, BufferedTunnelBody.MaxBytes);
            await ReplyAsync(request, writer, 413,
                "The Docker response is larger than one edge message may carry (72 MiB); request it as a stream.",
                sessionToken).ConfigureAwait(false);
            return;
        }

        var status = ValidStatus(body.StatusCode);
        var frame = EdgeFrames.Response(request.RequestId, status, body.Headers, body.Content,
            IsBinary(body.Headers, body.Content));
        if (frame.Length > EdgeWriter.ServerMaxMessageBytes)
        {
            await ReplyAsync(request, writer, 413,
                "The Docker response is larger than one edge message may carry; request it as a stream.",
                sessionToken).ConfigureAwait(false);
            return;
        }

        await writer.SendBySizeAsync(frame, sessionToken).ConfigureAwait(false);
    }

    private async Task ServeStreamingAsync(
        TunnelRequest request,
        EdgeWriter writer,
        CancellationToken requestToken,
        CancellationToken sessionToken)
    {
        using var body = new StreamingTunnelBody(request.RequestId, writer, time, sessionToken);
        var context = CreateContext(request, body, requestToken);
        try
        {
            await forwarder.ForwardAsync(context).ConfigureAwait(false);
            await ((TunnelResponse)context.Features.Get<IHttpResponseFeature>()!).CompleteAsync().ConfigureAwait(false);
            await body.CompleteAsync().ConfigureAwait(false);
            if (body.IsError)
            {
                // Buffered streaming callers take the real status from a response frame; callback callers ignore it.
                var content = body.ErrorBody.ToArray();
                await writer.SendAsync(EdgeFrames.Response(request.RequestId, ValidStatus(body.StatusCode),
                    body.Headers, content, IsBinary(body.Headers, content)), bulk: true, sessionToken)
                    .ConfigureAwait(false);
                if (content.Length > 0)
                {
                    await writer.SendAsync(EdgeFrames.Stream(request.RequestId, content), bulk: true, sessionToken)
                        .ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (!sessionToken.IsCancellationRequested)
            {
                await writer.SendAsync(EdgeFrames.StreamEnd(request.RequestId), bulk: true, sessionToken)
                    .ConfigureAwait(false);
            }
        }
    }

    private static Task ReplyAsync(TunnelRequest request, EdgeWriter writer, int status, string message,
        CancellationToken sessionToken) =>
        writer.SendBySizeAsync(EdgeFrames.ErrorResponse(request.RequestId, status, message), sessionToken).AsTask();

    private static DefaultHttpContext CreateContext(TunnelRequest request, TunnelBody body, CancellationToken aborted)
    {
        var query = request.Path.IndexOf('?', StringComparison.Ordinal);
        var headers = new HeaderDictionary();
        foreach (var (name, value) in request.Headers)
        {
            headers[name] = value;
        }

        if (request.Body is not null)
        {
            headers.ContentLength = request.Body.Length;
        }

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Scheme = "http",
            Method = request.Method,
            PathBase = "",
            Path = Uri.UnescapeDataString(query < 0 ? request.Path : request.Path[..query]),
            QueryString = query < 0 ? "" : request.Path[query..],
            RawTarget = request.Path,
            Headers = headers,
            Body = request.Body is null ? Stream.Null : new MemoryStream(request.Body, writable: false),
        });
        features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(request.Body is not null));
        var response = new TunnelResponse(body);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = aborted });
        var context = new DefaultHttpContext(features);
        context.Items[DockerForwarder.ModeKey] = "edge";
        return context;
    }

    private static int ValidStatus(int status) => status is >= 200 and <= 599 ? status : 502;

    /// <summary>
    /// Base64 when the content type says so, or the body has control bytes or is not valid UTF-8 (spec 3.4 H: the
    /// server would otherwise see U+FFFD where the bytes were).
    /// </summary>
    private static bool IsBinary(IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        var contentType = headers.FirstOrDefault(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Value ?? "";
        if (contentType.Contains("octet-stream", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("raw-stream", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("multiplexed-stream", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("tar", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var b in body)
        {
            if (b < 0x09 || b is >= 0x0E and <= 0x1F or 0x7F)
            {
                return true;
            }
        }

        return !Utf8Valid(body);
    }

    private static bool Utf8Valid(ReadOnlySpan<byte> body)
    {
        try
        {
            _ = StrictUtf8.GetCharCount(body);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
    }

    private static partial class Log
    {
        [LoggerMessage(4020, LogLevel.Information,
            "Refused to send a {Method} response over {MaxBytes} bytes in one message; answered 413")]
        public static partial void ResponseTooLarge(ILogger logger, string method, int maxBytes);

        [LoggerMessage(4022, LogLevel.Error, "A tunnelled Docker {Method} request failed in the agent")]
        public static partial void RequestFailed(ILogger logger, string method, Exception exception);

        [LoggerMessage(4021, LogLevel.Warning, "A tunnelled Docker {Method} request ran past its {Seconds} s deadline")]
        public static partial void RequestTimedOut(ILogger logger, string method, long seconds);
    }
}
