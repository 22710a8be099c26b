using System.Buffers;

using Hawser.Proxy.Proxy;

namespace Hawser.Proxy.Edge;

/// <summary>
/// Collects a non-streaming response body up to a bound; past it the body is refused, so the reply stays under the
/// server's 100 MiB message limit after base64.
/// </summary>
// LIMITATION: a non-streaming reply is held in memory up to MaxBytes (72 MiB) before it is sent as one message;
// Dockhand requests large bodies (image export, archives) as streams, which never buffer.
internal sealed class BufferedTunnelBody : TunnelBody
{
    public const int MaxBytes = 72 * 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    public bool Overflowed { get; private set; }

    public ReadOnlySpan<byte> Content => _buffer.WrittenSpan;

    protected override ValueTask WriteBodyAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount + buffer.Length > MaxBytes)
        {
            Overflowed = true;
            throw new ResponseTooLargeException();
        }

        _buffer.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }
}
