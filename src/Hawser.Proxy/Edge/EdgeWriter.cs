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

    private readonly Channel<Outgoing> _priority = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(1024)
    {
        SingleReader = true,
    });

    private readonly Channel<Outgoing> _bulk = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(32)
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

        return (bulk ? _bulk : _priority).Writer.WriteAsync(new Outgoing(frame, null), cancellationToken);
    }

    /// <summary>Queues a small frame and completes once it has been written to the socket.</summary>
    public async Task SendAndConfirmAsync(byte[] frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);

        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(() => sent.TrySetCanceled(cancellationToken));
        await _priority.Writer.WriteAsync(new Outgoing(frame, sent), cancellationToken).ConfigureAwait(false);
        await sent.Task.ConfigureAwait(false);
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
        Task<bool>? priorityWait = null;
        Task<bool>? bulkWait = null;
        var sinceBulk = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Small frames first, but every 16th turn goes to bulk, so a chatty terminal cannot starve streams.
            var preferBulk = sinceBulk >= 16;
            if ((preferBulk && _bulk.Reader.TryRead(out var next)) || _priority.Reader.TryRead(out next)
                || _bulk.Reader.TryRead(out next))
            {
                sinceBulk = preferBulk || next.Frame.Length > SmallFrameBytes ? 0 : sinceBulk + 1;
                await SendFragmentedAsync(next.Frame, cancellationToken).ConfigureAwait(false);
                next.Sent?.TrySetResult();
                continue;
            }

            // One pending wait per queue, reused until it completes, so idle turns leave no waiters behind.
            priorityWait ??= _priority.Reader.WaitToReadAsync(cancellationToken).AsTask();
            bulkWait ??= _bulk.Reader.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(priorityWait, bulkWait).ConfigureAwait(false);
            priorityWait = priorityWait.IsCompleted ? null : priorityWait;
            bulkWait = bulkWait.IsCompleted ? null : bulkWait;
            if (_priority.Reader.Completion.IsCompleted && _bulk.Reader.Completion.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sends one message in fragments of 64 KiB, each with its own timeout: a slow but moving link is not dead, and
    /// only a fragment that does not leave within the bound ends the session.
    /// </summary>
    private async Task SendFragmentedAsync(byte[] frame, CancellationToken cancellationToken)
    {
        var offset = 0;
        do
        {
            var length = Math.Min(SmallFrameBytes, frame.Length - offset);
            var last = offset + length == frame.Length;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(sendTimeout);
            try
            {
                await socket.SendAsync(frame.AsMemory(offset, length), WebSocketMessageType.Text, last, timeout.Token)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("A WebSocket send did not complete within " + sendTimeout + ".");
            }

            offset += length;
        }
        while (offset < frame.Length);
    }

    /// <summary>A queued message; <see cref="Sent"/>, when set, completes once it is on the socket.</summary>
    private readonly record struct Outgoing(byte[] Frame, TaskCompletionSource? Sent);
}
