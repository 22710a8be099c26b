namespace Hawser.Proxy.Edge;

/// <summary>What the health endpoint reports of the tunnel.</summary>
internal sealed class EdgeStatus
{
    private int _connected;

    public bool Connected => Volatile.Read(ref _connected) == 1;

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);
}
