namespace Hawser.Proxy.Edge;

/// <summary>How one WebSocket session ended.</summary>
internal sealed record EdgeSessionResult(bool WasConnected, TimeSpan ConnectedFor, EdgeRejection Rejection, TimeSpan? RetryAfter);
