using System.Buffers;

namespace Hawser.Proxy.Edge;

/// <summary>
/// Sends a streaming response body as <c>stream</c> frames as it arrives. Chunks end at a line break where there is
/// one, never inside a UTF-8 sequence, and are at most 64 KiB; a partial line is sent after 50 ms of quiet.
/// Several Dockhand consumers parse each frame on its own (pull progress, merged TTY logs; spec 3.7).
/// </summary>
internal sealed class StreamingTunnelBody : TunnelBody
{
    private const int MaxChunkBytes = 64 * 1024;
    private static readonly TimeSpan QuietFlush = TimeSpan.FromMilliseconds(50);

    private readonly string _requestId;
    private readonly EdgeWriter _writer;
    private readonly CancellationToken _cancellationToken;
    private readonly ArrayBufferWriter<byte> _pending = new();
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ITimer _timer;

    public StreamingTunnelBody(string requestId, EdgeWriter writer, TimeProvider time, CancellationToken cancellationToken)
    {
        _requestId = requestId;
        _writer = writer;
        _cancellationToken = cancellationToken;
        _timer = time.CreateTimer(_ => _ = FlushPendingAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True when Docker answered with an error status: its (small) body is then kept for the response frame.</summary>
    public bool IsError => StatusCode is < 200 or > 299;

    public ReadOnlySpan<byte> ErrorBody => _pending.WrittenSpan;

    protected override async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(_cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsError)
            {
                if (_pending.WrittenCount + buffer.Length <= BufferedTunnelBody.MaxBytes)
                {
                    _pending.Write(buffer.Span);
                }

                return;
            }

            _pending.Write(buffer.Span);
            await SendCompleteChunksAsync(final: false).ConfigureAwait(false);
            _timer.Change(_pending.WrittenCount > 0 ? QuietFlush : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Sends whatever is left, to the last byte; called once the body has ended.</summary>
    public Task CompleteAsync() => FlushAsync(ended: true);

    private async Task FlushAsync(bool ended)
    {
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        await _lock.WaitAsync(_cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsError)
            {
                return;
            }

            await SendCompleteChunksAsync(final: true).ConfigureAwait(false);

            // A quiet flush may hold back an unfinished UTF-8 sequence; the end of the body never does.
            if (ended && _pending.WrittenCount > 0)
            {
                await _writer.SendAsync(EdgeFrames.Stream(_requestId, _pending.WrittenSpan), bulk: true,
                    _cancellationToken).ConfigureAwait(false);
                _pending.Clear();
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
            _lock.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task FlushPendingAsync()
    {
        try
        {
            await FlushAsync(ended: false).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The request ended or the link went down; nothing is owed any more.
        }
        catch (Exception ex) when (ex is ObjectDisposedException or System.Threading.Channels.ChannelClosedException)
        {
            // The session ended under the timer.
        }
    }

    private async Task SendCompleteChunksAsync(bool final)
    {
        var data = _pending.WrittenMemory;
        var sent = 0;
        while (data.Length - sent > 0)
        {
            var rest = data.Span[sent..];
            var length = ChunkLength(rest, final);
            if (length == 0)
            {
                break;
            }

            await _writer.SendAsync(EdgeFrames.Stream(_requestId, rest[..length]), bulk: true, _cancellationToken)
                .ConfigureAwait(false);
            sent += length;
        }

        if (sent > 0)
        {
            var left = data[sent..].ToArray();
            _pending.Clear();
            _pending.Write(left);
        }
    }

    /// <summary>How much of <paramref name="data"/> to send now: up to the last line break within 64 KiB, else
    /// 64 KiB cut back to a UTF-8 boundary; a trailing partial line only when <paramref name="final"/>.</summary>
    internal static int ChunkLength(ReadOnlySpan<byte> data, bool final)
    {
        var window = data[..Math.Min(data.Length, MaxChunkBytes)];
        var newline = window.LastIndexOf((byte)'\n');
        if (newline >= 0)
        {
            return newline + 1;
        }

        if (data.Length < MaxChunkBytes && !final)
        {
            return 0;
        }

        return Utf8Boundary.CompleteLength(window);
    }
}
