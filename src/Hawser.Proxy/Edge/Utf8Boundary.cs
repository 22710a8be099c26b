namespace Hawser.Proxy.Edge;

/// <summary>Finds where a byte run stops holding whole UTF-8 sequences, so a chunk never splits a character.</summary>
internal static class Utf8Boundary
{
    /// <summary>
    /// The length of <paramref name="data"/> without a trailing incomplete UTF-8 sequence (at most 3 bytes held back).
    /// Bytes that are not UTF-8 at all are not held back.
    /// </summary>
    public static int CompleteLength(ReadOnlySpan<byte> data)
    {
        for (var back = 1; back <= Math.Min(3, data.Length); back++)
        {
            var b = data[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var needed = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? data.Length - back : data.Length;
        }

        return data.Length;
    }
}
