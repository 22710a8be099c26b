using System.Net.Sockets;
using System.Threading.Channels;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Proxy;

namespace Hawser.Proxy.Edge;

/// <summary>
/// One terminal session of spec 3.10: a TTY exec created through <see cref="IDockerEngine"/> and started on its own
/// daemon connection through <see cref="DaemonHijack"/>, as in standard mode. Input and resize frames are handled
/// strictly in arrival order, and those that arrive before the exec is ready wait for it instead of being lost.
/// </summary>
internal sealed partial class ExecSession : IAsyncDisposable
{
    private const string StartBody = """{"Detach":false,"Tty":true}""";

    private readonly Channel<Command> _inputs = Channel.CreateBounded<Command>(new BoundedChannelOptions(1024)
    {
        SingleReader = true,
    });

    private readonly CancellationTokenSource _end;
    private readonly string _execId;
    private readonly EdgeWriter _writer;
    private readonly IDockerEngine _engine;
    private readonly DaemonHijack _hijack;
    private readonly ILogger _logger;
    private Stream? _daemon;
    private string? _dockerExecId;

    public ExecSession(
        string execId,
        EdgeWriter writer,
        IDockerEngine engine,
        DaemonHijack hijack,
        ILogger logger,
        CancellationToken sessionToken)
    {
        _execId = execId;
        _writer = writer;
        _engine = engine;
        _hijack = hijack;
        _logger = logger;
        _end = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
    }

    public Task? Running { get; private set; }

    public void Start(string container, string command, string user, int columns, int rows, Action onEnded) =>
        Running = RunAsync(container, command, user, columns, rows, onEnded);

    /// <summary>Queues keystrokes; false when the session is over or its queue is full.</summary>
    public bool Input(byte[] data) => _inputs.Writer.TryWrite(new Command(data, 0, 0));

    public bool Resize(int columns, int rows) => _inputs.Writer.TryWrite(new Command(null, columns, rows));

    /// <summary>The server's <c>exec_end</c> or the end of the link: closes the daemon connection.</summary>
    public void End() => _end.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _end.CancelAsync().ConfigureAwait(false);
        if (Running is not null)
        {
            await Running.ConfigureAwait(false);
        }

        _end.Dispose();
    }

    private async Task RunAsync(string container, string command, string user, int columns, int rows, Action onEnded)
    {
        var token = _end.Token;
        try
        {
            // Step 1: create the exec (TTY, stdin attached).
            try
            {
                _dockerExecId = await _engine.CreateExecAsync(container, [command], user, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ExecFailed(_logger, "create", ex);
                await SendAsync(EdgeFrames.Error(_execId, "exec create failed: " + DescribeDockerError(ex),
                    "EXEC_CREATE_ERROR")).ConfigureAwait(false);
                return;
            }

            // Step 2: start it on a dedicated, hijacked daemon connection.
            var early = await StartAsync(token).ConfigureAwait(false);
            if (early is null)
            {
                return;
            }

            // Step 3: ready, then the first resize, then queued input in order.
            await SendAsync(EdgeFrames.ExecReady(_execId)).ConfigureAwait(false);
            if (columns > 0 && rows > 0)
            {
                await ResizeAsync(columns, rows).ConfigureAwait(false);
            }

            var inputs = PumpInputsAsync(token);

            // Step 4: output until Docker closes the session; the input pump is awaited before the connection
            // it writes to is disposed.
            try
            {
                await PumpOutputAsync(early, token).ConfigureAwait(false);
            }
            finally
            {
                await _end.CancelAsync().ConfigureAwait(false);
                await inputs.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Ended by the server or by the link going down.
        }
        finally
        {
            _inputs.Writer.TryComplete();
            if (_daemon is not null)
            {
                await _daemon.DisposeAsync().ConfigureAwait(false);
            }

            onEnded();
            await SendAsync(EdgeFrames.ExecEnd(_execId, "container_exit")).ConfigureAwait(false);
        }
    }

    private async Task<byte[]?> StartAsync(CancellationToken token)
    {
        try
        {
            _daemon = await _hijack.ConnectAsync(token).ConfigureAwait(false);
            var (head, _, early) = await DaemonHijack.SendAsync(_daemon, "POST", $"/exec/{_dockerExecId}/start",
                [new("Content-Type", "application/json")], System.Text.Encoding.ASCII.GetBytes(StartBody), token)
                .ConfigureAwait(false);
            if (head is { StatusCode: 101 or 200 })
            {
                return early;
            }

            await SendAsync(EdgeFrames.Error(_execId,
                $"exec start failed: Docker answered {head?.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}",
                "EXEC_START_ERROR")).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            Log.ExecFailed(_logger, "start", ex);
            await SendAsync(EdgeFrames.Error(_execId, "exec start failed: the Docker daemon is not reachable",
                "EXEC_START_ERROR")).ConfigureAwait(false);
            return null;
        }
    }

    private async Task PumpOutputAsync(byte[] early, CancellationToken token)
    {
        // The server decodes each exec_output frame to UTF-8 on its own: a character cut in two would turn into
        // U+FFFD, so an incomplete trailing sequence waits for the next read.
        var buffer = new byte[16 * 1024 + 4];
        early.CopyTo(buffer, 0);
        var held = early.Length;
        while (true)
        {
            var ready = Utf8Boundary.CompleteLength(buffer.AsSpan(0, held));
            if (ready > 0)
            {
                await SendAsync(EdgeFrames.ExecOutput(_execId, buffer.AsSpan(0, ready))).ConfigureAwait(false);
                buffer.AsSpan(ready, held - ready).CopyTo(buffer);
                held -= ready;
            }

            int read;
            try
            {
                read = await _daemon!.ReadAsync(buffer.AsMemory(held, buffer.Length - 4 - held), token)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException)
            {
                return;
            }

            if (read == 0)
            {
                if (held > 0)
                {
                    await SendAsync(EdgeFrames.ExecOutput(_execId, buffer.AsSpan(0, held))).ConfigureAwait(false);
                }

                return;
            }

            held += read;
        }
    }

    private async Task PumpInputsAsync(CancellationToken token)
    {
        try
        {
            await foreach (var command in _inputs.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                if (command.Data is not null)
                {
                    await WriteInputAsync(command.Data, token).ConfigureAwait(false);
                }
                else
                {
                    await ResizeAsync(command.Columns, command.Rows).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteInputAsync(byte[] data, CancellationToken token)
    {
        try
        {
            await _daemon!.WriteAsync(data, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Log.ExecFailed(_logger, "input", ex);
        }
    }

    private async Task ResizeAsync(int columns, int rows)
    {
        try
        {
            await _engine.ResizeExecAsync(_dockerExecId!, columns, rows, _end.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ExecFailed(_logger, "resize", ex);
        }
    }

    private async Task SendAsync(byte[] frame)
    {
        try
        {
            await _writer.SendAsync(frame, bulk: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The link is gone; the server has already ended the browser's terminal.
        }
    }

    private static string DescribeDockerError(Exception ex) => ex is global::Docker.DotNet.DockerApiException api
        ? $"{(int)api.StatusCode} - {api.ResponseBody}"
        : "the Docker daemon is not reachable";

    /// <summary>Keystrokes (<see cref="Data"/>) or a terminal size, in arrival order.</summary>
    private sealed record Command(byte[]? Data, int Columns, int Rows);

    private static partial class Log
    {
        [LoggerMessage(4030, LogLevel.Debug, "Exec session step {Step} failed")]
        public static partial void ExecFailed(ILogger logger, string step, Exception exception);
    }
}
