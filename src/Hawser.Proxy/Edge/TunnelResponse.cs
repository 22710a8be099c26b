using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Hawser.Proxy.Edge;

/// <summary>
/// The response side of a request that arrived over the tunnel: YARP writes status, headers and body here as it
/// would to Kestrel, and the body goes to a <see cref="TunnelBody"/> that turns it into frames.
/// </summary>
internal sealed class TunnelResponse : IHttpResponseFeature, IHttpResponseBodyFeature
{
    private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
    private readonly TunnelBody _body;
    private PipeWriter? _writer;

    public TunnelResponse(TunnelBody body)
    {
        _body = body;
        body.Starter = StartAsync;
    }

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    public Stream Body
    {
        get => _body;
        set => throw new NotSupportedException("The tunnel response body cannot be replaced.");
    }

    public bool HasStarted { get; private set; }

    public Stream Stream => _body;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_body, new StreamPipeWriterOptions(leaveOpen: true));

    public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

    public void OnCompleted(Func<object, Task> callback, object state)
    {
        // Nothing runs after the tunnel reply; no caller of this agent registers completion work.
    }

    public void DisableBuffering()
    {
        // The tunnel body never buffers more than its own bound.
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (HasStarted)
        {
            return;
        }

        foreach (var (callback, state) in _onStarting)
        {
            await callback(state).ConfigureAwait(false);
        }

        HasStarted = true;
        await _body.StartAsync(StatusCode, Headers, cancellationToken).ConfigureAwait(false);
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Files are never sent over the tunnel.");

    public async Task CompleteAsync()
    {
        await StartAsync().ConfigureAwait(false);
        if (_writer is not null)
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }
    }
}
