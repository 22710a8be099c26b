using System.Collections.Concurrent;
using System.Text.Json;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Proxy;
using static Hawser.Proxy.JsonFields;

namespace Hawser.Proxy.Edge;

/// <summary>The exec sessions of one WebSocket session, keyed by the server's <c>execId</c>.</summary>
internal sealed partial class ExecSessions(
    EdgeWriter writer,
    IDockerEngine engine,
    DaemonHijack hijack,
    ILogger logger,
    CancellationToken sessionToken) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ExecSession> _sessions = new();

    public void Handle(string type, JsonElement frame)
    {
        var execId = Text(frame, "execId");
        if (string.IsNullOrEmpty(execId))
        {
            Log.FrameWithoutExecId(logger, type);
            return;
        }

        switch (type)
        {
            case "exec_start":
                var session = new ExecSession(execId, writer, engine, hijack, logger, sessionToken);
                if (!_sessions.TryAdd(execId, session))
                {
                    return;
                }

                session.Start(Text(frame, "containerId") ?? "", Text(frame, "cmd") is { Length: > 0 } cmd ? cmd : "/bin/sh",
                    Text(frame, "user") ?? "root", Number(frame, "cols"), Number(frame, "rows"),
                    () => _sessions.TryRemove(execId, out _));
                break;
            case "exec_input" when _sessions.TryGetValue(execId, out var target):
                if (Text(frame, "data") is { } data && TryBase64(data, out var bytes))
                {
                    target.Input(bytes);
                }

                break;
            case "exec_resize" when _sessions.TryGetValue(execId, out var target):
                var (cols, rows) = (Number(frame, "cols"), Number(frame, "rows"));
                if (cols > 0 && rows > 0)
                {
                    target.Resize(cols, rows);
                }

                break;
            case "exec_end" when _sessions.TryGetValue(execId, out var target):
                target.End();
                break;
            default:
                Log.UnknownExecSession(logger, type);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool TryBase64(string data, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(data);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4031, LogLevel.Debug, "Ignored a {FrameType} frame without execId")]
        public static partial void FrameWithoutExecId(ILogger logger, string frameType);

        [LoggerMessage(4032, LogLevel.Debug, "Ignored a {FrameType} frame for an exec session that is not open")]
        public static partial void UnknownExecSession(ILogger logger, string frameType);
    }
}
