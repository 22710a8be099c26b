namespace Hawser.Proxy.Edge;

/// <summary>
/// A write-only stream that receives a Docker response body for the tunnel. <see cref="StartAsync"/> runs once,
/// with the status and headers, before the first body byte.
/// </summary>
internal abstract class TunnelBody : Stream
{
    public int StatusCode { get; private set; } = StatusCodes.Status200OK;

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; private set; } = [];

    public bool Started { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public virtual Task StartAsync(int statusCode, IHeaderDictionary headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);

        StatusCode = statusCode;
        Headers = ReplyHeaders(headers);
        Started = true;
        return Task.CompletedTask;
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Starts the response (status and headers) when YARP writes body bytes before starting it.</summary>
    public Func<CancellationToken, Task>? Starter { get; set; }

    public sealed override async ValueTask WriteAsync(
        ReadOnlyMemory<byte> buffer,
        CancellationToken cancellationToken = default)
    {
        if (!Started && Starter is not null)
        {
            await Starter(cancellationToken).ConfigureAwait(false);
        }

        await WriteBodyAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    protected abstract ValueTask WriteBodyAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken);

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// One value per header, as the original agent sends (spec 3.4 H); hop-by-hop headers are dropped because the
    /// server builds a new response from these.
    /// </summary>
    private static List<KeyValuePair<string, string>> ReplyHeaders(IHeaderDictionary headers) =>
    [
        .. headers
            .Where(h => h.Key is not ("Transfer-Encoding" or "Connection" or "Keep-Alive" or "Upgrade")
                && h.Value.Count > 0)
            .Select(h => new KeyValuePair<string, string>(h.Key, h.Value[0] ?? "")),
    ];
}
