namespace Hawser.Proxy.Proxy;

/// <summary>A response destination refused more body bytes (an edge reply past its message limit).</summary>
public sealed class ResponseTooLargeException : IOException
{
    public ResponseTooLargeException()
        : base("The response is larger than one tunnel message may carry.")
    {
    }

    public ResponseTooLargeException(string message)
        : base(message)
    {
    }

    public ResponseTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
