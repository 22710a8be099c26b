using System.Net.WebSockets;
using System.Threading.Channels;

namespace Hawser.Proxy.Edge;

/// <summary>
/// The one writer of a WebSocket session. Small frames (pongs, pings, exec traffic, short responses) go first;
/// bulk frames (stream data, large responses) wait behind them. Both queues are bounded, so a slow link slows the
/// Docker reads that feed it instead of filling memory. A send that does not complete within the bound means the
/// link is dead.
/// </summary>
internal sealed class EdgeWriter(WebSocket socket, TimeSpan sendTimeout)
{
    /// <summary>The largest message Dockhand accepts (the ws library's default maxPayload, spec 3.2).</summary>
    public const int ServerMaxMessageBytes = 100 * 1024 * 1024;

    private const int SmallFrameBytes = 64 * 1024;

    private readonly Channel<byte[]> _priority = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024)
    {
        SingleReader = true,
    });

    private readonly Channel<byte[]> _bulk = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(32)
    {
        SingleReader = true,
    });

    /// <summary>Queues a frame whose order relative to other frames of its kind matters only within its queue.</summary>
    /// <param name="frame">One JSON message.</param>
    /// <param name="bulk">True for frames that must stay in order with other bulk frames (stream data).</param>
    /// <param name="cancellationToken">Ends the wait for queue space.</param>
    public ValueTask SendAsync(byte[] frame, bool bulk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);

        if (frame.Length > ServerMaxMessageBytes)
        {
            throw new InvalidOperationException("A frame over the server's 100 MiB limit was about to be sent.");
        }

        return (bulk ? _bulk : _priority).Writer.WriteAsync(frame, cancellationToken);
    }

    /// <summary>Queues a reply whose size decides its queue.</summary>
    public ValueTask SendBySizeAsync(byte[] frame, CancellationToken cancellationToken) =>
        SendAsync(frame, frame.Length > SmallFrameBytes, cancellationToken);

    /// <summary>Takes no more frames; <see cref="RunAsync"/> ends once the queued ones are sent.</summary>
    public void Complete()
    {
        _priority.Writer.TryComplete();
        _bulk.Writer.TryComplete();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_priority.Reader.TryRead(out var frame) || _bulk.Reader.TryRead(out frame))
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(sendTimeout);
                try
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, timeout.Token)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException("A WebSocket send did not complete within " + sendTimeout + ".");
                }

                continue;
            }

            var priority = _priority.Reader.WaitToReadAsync(cancellationToken).AsTask();
            var bulk = _bulk.Reader.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(priority, bulk).ConfigureAwait(false);
            if (_priority.Reader.Completion.IsCompleted && _bulk.Reader.Completion.IsCompleted)
            {
                return;
            }
        }
    }
}
