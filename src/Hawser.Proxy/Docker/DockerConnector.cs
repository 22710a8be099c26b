using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;

namespace Hawser.Proxy.Docker;

/// <summary>
/// Opens raw connections to the daemon. Both the forwarder's connection pool and the exec/attach hijack use it, so
/// every proxied byte takes the same way to Docker.
/// </summary>
internal sealed class DockerConnector(DockerEndpoint endpoint, TimeSpan connectTimeout)
{
    public DockerEndpoint Endpoint => endpoint;

    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        if (endpoint.Kind == DockerEndpointKind.NamedPipe)
        {
            var pipeName = endpoint.Address[(endpoint.Address.IndexOf(@"\pipe\", StringComparison.Ordinal) + 6)..];
            var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous);
            try
            {
                await pipe.ConnectAsync(timeout.Token).ConfigureAwait(false);
                return pipe;
            }
            catch
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        var socket = endpoint.Kind == DockerEndpointKind.UnixSocket
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint target = endpoint.Kind == DockerEndpointKind.UnixSocket
                ? new UnixDomainSocketEndPoint(endpoint.Address)
                : new DnsEndPoint(endpoint.Address, endpoint.Port);
            await socket.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Ends the sending half of a daemon connection so Docker sees end-of-input (closes an exec's stdin) while its
    /// output can still be read to the end.
    /// </summary>
    // LIMITATION: a named pipe has no half-close; on Windows stdin end is only seen when the session closes.
    public static void ShutdownWrite(Stream connection)
    {
        ArgumentNullException.ThrowIfNull(connection);

        if (connection is NetworkStream network)
        {
            network.Socket.Shutdown(SocketShutdown.Send);
        }
    }
}
