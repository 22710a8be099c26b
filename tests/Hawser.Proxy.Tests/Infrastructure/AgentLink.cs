using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>The server's end of one authenticated agent WebSocket, with frames routed by requestId and execId.</summary>
internal sealed class AgentLink(WebSocket socket)
{
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _routes = new();
    private readonly Channel<TimeSpan> _pongs = Channel.CreateUnbounded<TimeSpan>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _pingSentTicks;

    public Task Closed => _closed.Task;

    /// <summary>The agent's close status, once <see cref="Closed"/> completed with a close frame.</summary>
    public WebSocketCloseStatus? CloseStatus => socket.CloseStatus;

    public ChannelReader<TimeSpan> PongDelays => _pongs.Reader;

    public void Abort() => socket.Abort();

    public async Task SendAsync(string json)
    {
        await _send.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _send.Release();
        }
    }

    public Task SendAsync(object frame) => SendAsync(JsonSerializer.Serialize(frame));

    public Task PingAsync()
    {
        Interlocked.Exchange(ref _pingSentTicks, Stopwatch.GetTimestamp());
        return SendAsync($$"""{"type":"ping","timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}""");
    }

    /// <summary>Sends a request frame and returns the frames that answer it (response, stream, stream_end).</summary>
    public async Task<ChannelReader<JsonElement>> SendRequestAsync(
        string method,
        string path,
        object? body = null,
        bool isBinary = false,
        bool streaming = false,
        Dictionary<string, string>? headers = null,
        string? requestId = null)
    {
        requestId ??= Guid.NewGuid().ToString();
        var route = Route(requestId);
        var frame = new Dictionary<string, object?>
        {
            ["type"] = "request",
            ["requestId"] = requestId,
            ["method"] = method,
            ["path"] = path,
            ["headers"] = headers ?? new Dictionary<string, string>(),
            ["streaming"] = streaming,
            ["isBinary"] = isBinary,
        };
        if (body is not null)
        {
            frame["body"] = body;
        }

        await SendAsync(frame);
        return route;
    }

    /// <summary>A non-streaming request and its one response frame.</summary>
    public async Task<JsonElement> RequestAsync(string method, string path, object? body = null, bool isBinary = false,
        Dictionary<string, string>? headers = null, TimeSpan? timeout = null)
    {
        var frames = await SendRequestAsync(method, path, body, isBinary, false, headers);
        return await frames.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    public ChannelReader<JsonElement> Route(string id) =>
        _routes.GetOrAdd(id, _ => Channel.CreateUnbounded<JsonElement>()).Reader;

    public async Task RunAsync()
    {
        try
        {
            while (await ReceiveAsync(socket, CancellationToken.None) is { } frame)
            {
                var type = frame.GetProperty("type").GetString();
                if (type == "pong")
                {
                    var sent = Interlocked.Read(ref _pingSentTicks);
                    _pongs.Writer.TryWrite(Stopwatch.GetElapsedTime(sent));
                    continue;
                }

                var id = frame.TryGetProperty("requestId", out var r) ? r.GetString()
                    : frame.TryGetProperty("execId", out var e) ? e.GetString() : null;
                if (id is not null)
                {
                    _routes.GetOrAdd(id, _ => Channel.CreateUnbounded<JsonElement>()).Writer.TryWrite(frame);
                }
                else
                {
                    _routes.GetOrAdd("", _ => Channel.CreateUnbounded<JsonElement>()).Writer.TryWrite(frame);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    public static async Task<JsonElement?> ReceiveAsync(WebSocket socket, CancellationToken token)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(64 * 1024), token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            buffer.Advance(result.Count);
            if (result.EndOfMessage)
            {
                using var document = JsonDocument.Parse(buffer.WrittenMemory);
                return document.RootElement.Clone();
            }
        }
    }
}
