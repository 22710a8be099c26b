using System.Buffers;
using System.Globalization;
using System.Text;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// A parsed HTTP/1.1 request or response head (start line and header fields), for the raw exec/attach hijack that
/// runs below Kestrel's HTTP pipeline.
/// </summary>
internal sealed record HttpHead(string StartLine, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>Heads larger than this are not hijack requests; they go to Kestrel, which applies its own limits.</summary>
    public const int MaxBytes = 32 * 1024;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    public string? this[string name] =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Request line parts: method, target, version; null when the line is malformed.</summary>
    public (string Method, string Target, string Version)? RequestLine => StartLine.Split(' ') is [var m, var t, var v]
        ? (m, t, v)
        : null;

    /// <summary>The status code of a response head, or 0 when the line is malformed.</summary>
    public int StatusCode => StartLine.Split(' ', 3) is [_, var code, ..]
        && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) ? status : 0;

    /// <summary>True when a comma-separated header (such as <c>Connection</c>) lists <paramref name="token"/>.</summary>
    public bool HasToken(string name, string token) => Headers
        .Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
        .SelectMany(h => h.Value.Split(','))
        .Any(v => string.Equals(v.Trim(), token, StringComparison.OrdinalIgnoreCase));

    /// <summary>The length of the head including its blank line, or -1 when the buffer does not hold all of it yet.</summary>
    public static long FindEnd(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, EndOfHead, advancePastDelimiter: true)
            ? reader.Consumed
            : -1;
    }

    /// <summary>The first line, once the buffer holds it; null before.</summary>
    public static string? FirstLine(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true)
            ? Encoding.Latin1.GetString(line)
            : null;
    }

    /// <summary>
    /// True when every header line is a plain <c>name: value</c>: a token name, no whitespace before the colon, no
    /// bare CR or LF, no control bytes, no obsolete line folding. A head that fails this is refused, so nothing
    /// can be smuggled into the request the agent writes to Docker.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> head)
    {
        var text = Encoding.Latin1.GetString(head);
        if (!text.EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            return false;
        }

        var lines = text[..^4].Split("\r\n");
        foreach (var line in lines)
        {
            if (line.Length == 0 || line.Any(c => c < 0x20 && c != '\t' || c == 0x7F))
            {
                return false;
            }
        }

        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !line[..colon].All(IsTokenChar))
            {
                return false;
            }
        }

        return lines[0].Split(' ').Length == 3;
    }

    private static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' || "!#$%&'*+-.^_`|~".Contains(c);

    public static HttpHead Parse(ReadOnlySpan<byte> head)
    {
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }

        return new HttpHead(lines[0], headers);
    }
}
