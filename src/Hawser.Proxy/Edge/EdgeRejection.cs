namespace Hawser.Proxy.Edge;

/// <summary>Why the server refused the handshake, which decides how long the agent waits before the next try.</summary>
internal enum EdgeRejection
{
    None,

    /// <summary>Invalid or missing token, or the source address is locked out: the server refuses every
    /// <c>hello</c> from this address for 5 minutes after one failure (spec 3.9).</summary>
    Credentials,

    /// <summary>Reconnection throttled; the server says when to retry.</summary>
    Throttled,

    /// <summary>Any other refusal.</summary>
    Other,
}
