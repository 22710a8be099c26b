namespace Hawser.Proxy.Edge;

internal sealed partial class EdgeConnection
{
    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Information, "Connected to Dockhand at {ServerUrl} as agent {AgentId}")]
        public static partial void Connected(ILogger logger, string serverUrl, string agentId);

        [LoggerMessage(4002, LogLevel.Warning, "Disconnected from Dockhand at {ServerUrl}: {Reason} (after {Seconds} s)")]
        public static partial void Disconnected(ILogger logger, string serverUrl, string reason, long seconds);

        [LoggerMessage(4003, LogLevel.Warning, "Cannot connect to Dockhand at {ServerUrl}: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string serverUrl, string reason);

        [LoggerMessage(4004, LogLevel.Error,
            "Dockhand refused the token ({Reason}). Set TOKEN to the token Dockhand shows for this environment; "
            + "the server locks this address out for 5 minutes after a failure, so the next try waits that long")]
        public static partial void TokenRefused(ILogger logger, string reason);

        [LoggerMessage(4005, LogLevel.Warning, "Dockhand throttled this agent's reconnects ({Reason})")]
        public static partial void Throttled(ILogger logger, string reason);

        [LoggerMessage(4006, LogLevel.Warning, "Dockhand refused the connection: {Reason}")]
        public static partial void ServerRefused(ILogger logger, string reason);

        [LoggerMessage(4007, LogLevel.Warning, "Dockhand sent no welcome within {Seconds} s")]
        public static partial void WelcomeTimedOut(ILogger logger, long seconds);

        [LoggerMessage(4008, LogLevel.Warning, "Dockhand closed the link before its welcome (status {Status} {Description})")]
        public static partial void ClosedBeforeWelcome(ILogger logger, string status, string description);

        [LoggerMessage(4009, LogLevel.Warning, "Handshake with Dockhand failed: {Reason}")]
        public static partial void HandshakeFailed(ILogger logger, string reason);

        [LoggerMessage(4010, LogLevel.Warning, "Ignored a frame that is not a JSON object ({Bytes} bytes)")]
        public static partial void MalformedFrame(ILogger logger, int bytes);

        [LoggerMessage(4011, LogLevel.Debug, "Ignored an unknown frame type {FrameType}")]
        public static partial void UnknownFrame(ILogger logger, string frameType);

        [LoggerMessage(4012, LogLevel.Warning, "Dockhand reported an error: {Reason}")]
        public static partial void ServerError(ILogger logger, string reason);

        [LoggerMessage(4013, LogLevel.Warning, "Ignored a request frame without requestId")]
        public static partial void FrameWithoutRequestId(ILogger logger);

        [LoggerMessage(4014, LogLevel.Warning, "Refused a frame over {MaxBytes} bytes")]
        public static partial void OversizedFrame(ILogger logger, long maxBytes);

        // Ids 4020-4039 are used by the request handler and exec sessions, 4040-4041 by the reconnect loop.
    }
}
