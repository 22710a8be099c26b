using System.Buffers;
using System.Globalization;
using System.Text;
using Hawser.Proxy.Docker;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// The daemon side of a Docker hijack: a dedicated connection, the upgrade request, and Docker's response head.
/// Standard mode relays the raw stream to the client connection; edge mode relays it as exec frames.
/// </summary>
internal sealed class DaemonHijack(DockerConnector connector)
{
    public ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken) =>
        connector.ConnectAsync(cancellationToken);

    /// <summary>
    /// Sends <c>method target</c> with <c>Connection: Upgrade</c> and <c>Upgrade: tcp</c>, then reads Docker's
    /// response head. Returns a null head when Docker closed or sent no head within <see cref="HttpHead.MaxBytes"/>;
    /// <c>Early</c> holds the stream bytes Docker sent right after its head.
    /// </summary>
    public static async Task<(HttpHead? Head, byte[] HeadBytes, byte[] Early)> SendAsync(
        Stream daemon,
        string method,
        string target,
        IEnumerable<KeyValuePair<string, string>> headers,
        byte[] body,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);

        var text = new StringBuilder(512)
            .Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: localhost\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("Connection: Upgrade\r\nUpgrade: tcp\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n");
        await daemon.WriteAsync(Concat(Encoding.Latin1.GetBytes(text.ToString()), body), cancellationToken)
            .ConfigureAwait(false);

        var buffer = new byte[HttpHead.MaxBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await daemon.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (null, [], []);
            }

            filled += read;
            var end = HttpHead.FindEnd(new ReadOnlySequence<byte>(buffer, 0, filled));
            if (end > 0)
            {
                var headBytes = buffer[..(int)end];
                return (HttpHead.Parse(headBytes), headBytes, buffer[(int)end..filled]);
            }
        }

        return (null, [], []);
    }

    public static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var result = new byte[first.Length + second.Length];
        first.CopyTo(result);
        second.CopyTo(result.AsSpan(first.Length));
        return result;
    }
}
