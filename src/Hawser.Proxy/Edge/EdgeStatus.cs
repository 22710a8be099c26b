namespace Hawser.Proxy.Edge;

/// <summary>What the health endpoint reports of the tunnel.</summary>
internal sealed class EdgeStatus
{
    private int _connected;
    private long _connects;

    public bool Connected => Volatile.Read(ref _connected) == 1;

    /// <summary>Successful handshakes since start.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    public void SetConnected(bool connected)
    {
        if (connected)
        {
            Interlocked.Increment(ref _connects);
        }

        Volatile.Write(ref _connected, connected ? 1 : 0);
    }
}
