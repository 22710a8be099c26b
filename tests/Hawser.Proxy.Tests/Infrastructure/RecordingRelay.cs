using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>
/// A TCP front for the daemon's unix socket that keeps every byte sent to the daemon, so a test can see exactly what
/// the agent forwards. The agent reaches it as <c>DOCKER_HOST=tcp://127.0.0.1:PORT</c>. Stopping it makes the
/// daemon unreachable for the agent.
/// </summary>
internal sealed class RecordingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _socketPath;
    private readonly MemoryStream _recorded = new();
    private readonly List<Socket> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public RecordingRelay(string socketPath)
    {
        _socketPath = socketPath;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Endpoint => $"tcp://127.0.0.1:{Port}";

    /// <summary>Everything sent towards the daemon so far, as Latin-1 text.</summary>
    public string Recorded
    {
        get
        {
            lock (_recorded)
            {
                return Encoding.Latin1.GetString(_recorded.ToArray());
            }
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            foreach (var socket in _open)
            {
                socket.Dispose();
            }
        }

        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _recorded.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            var daemon = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await daemon.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath));
            lock (_open)
            {
                _open.Add(client);
                _open.Add(daemon);
            }

            _ = CopyAsync(client, daemon, record: true);
            _ = CopyAsync(daemon, client, record: false);
        }
    }

    private async Task CopyAsync(Socket from, Socket to, bool record)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                // Headers are what matter; large bodies are kept only up to a bound.
                if (record)
                {
                    lock (_recorded)
                    {
                        if (_recorded.Length < 16 * 1024 * 1024)
                        {
                            _recorded.Write(buffer, 0, read);
                        }
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
