using System.Diagnostics;
using System.Threading.Channels;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>Reads a process's output lines as they arrive, so a test can wait for one line at a time.</summary>
internal sealed class LineReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public LineReader(Process process)
    {
        _ = PumpAsync(process.StandardOutput);
        _ = PumpAsync(process.StandardError);
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; fails when the stream ends or time runs out.</summary>
    public async Task<string> WaitForAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (line.Contains(text, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no line with '{text}' within {timeout}");
        }

        throw new InvalidOperationException($"output ended before a line with '{text}'");
    }

    private int _open = 2;

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            await _lines.Writer.WriteAsync(line);
        }

        if (Interlocked.Decrement(ref _open) == 0)
        {
            _lines.Writer.TryComplete();
        }
    }
}
