using System.Diagnostics;
using System.Net;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Forwards a Docker API request to the daemon through YARP's <see cref="IHttpForwarder"/>, over pooled HTTP/1.1
/// connections that <see cref="DockerConnector"/> opens. Bodies stream both ways without buffering.
/// </summary>
internal sealed partial class DockerForwarder : IDisposable
{
    // The host part is never resolved: the connect callback dials the configured endpoint.
    public const string DestinationPrefix = "http://localhost";

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly DockerRequestTransformer _transformer = new();
    private readonly ForwarderRequestConfig _call;
    private readonly long? _maxRequestBodyBytes;
    private readonly ILogger<DockerForwarder> _logger;
    private readonly HawserMetrics _metrics;
    private readonly string _endpoint;

    public DockerForwarder(
        IHttpForwarder forwarder,
        DockerConnector connector,
        IOptions<HawserOptions> options,
        HawserMetrics metrics,
        ILogger<DockerForwarder> logger)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(options);

        _forwarder = forwarder;
        _metrics = metrics;
        _logger = logger;
        _endpoint = connector.Endpoint.ToString();
        _maxRequestBodyBytes = options.Value.Proxy.MaxRequestBodyBytes;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = (_, cancellationToken) => connector.ConnectAsync(cancellationToken),
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ActivityHeadersPropagator = null,
        });

        // Docker speaks HTTP/1.1 only; YARP would otherwise try HTTP/2 first. No idle timeout (YARP's default is
        // 100 s): a log follow, an events stream, a wait or a prune may be silent for hours, and Docker has more
        // such calls than any list would keep up with (spec 2.6). The caller's own deadline and its disconnect end
        // a call; an edge request gets its deadline from the tunnel.
        _call = new ForwarderRequestConfig
        {
            ActivityTimeout = Timeout.InfiniteTimeSpan,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            AllowResponseBuffering = false,
        };
    }

    public async Task ForwardAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "/";
        if (DockerRoutes.IsSuspicious(rawTarget))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest,
                "The request path must be absolute and must not contain . or .. segments.").ConfigureAwait(false);
            return;
        }

        if (DockerRoutes.IsHijackable(context.Request.Method, context.Request.Path.Value ?? "/")
            && context.Request.Headers.Upgrade.Count > 0)
        {
            // LIMITATION: exec/attach upgrades are served below HTTP, on the first request of a connection only
            // (docker CLI and Dockhand always open a fresh connection for them). A later one on a kept-alive
            // connection cannot be hijacked and is refused rather than answered without its raw stream.
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest,
                "Exec and attach upgrades must be the first request on a new connection.").ConfigureAwait(false);
            return;
        }

        LiftBodyLimits(context);
        var mode = context.Items[ModeKey] as string ?? "standard";
        var path = DockerRoutes.Unversioned(context.Request.Path.Value ?? "/");
        var longLived = DockerRoutes.IsLongLived(context.Request.Method, path);
        var requestBody = new CountingStream(context.Request.Body);
        var responseBody = new CountingStream(context.Response.Body);
        context.Request.Body = requestBody;
        context.Response.Body = responseBody;
        var started = Stopwatch.GetTimestamp();
        if (longLived)
        {
            _metrics.StreamStarted(mode);
        }

        try
        {
            var error = await _forwarder.SendAsync(context, DestinationPrefix, _invoker, _call, _transformer)
                .ConfigureAwait(false);
            if (error != ForwarderError.None)
            {
                await ReportAsync(context, error).ConfigureAwait(false);
            }
        }
        finally
        {
            if (longLived)
            {
                _metrics.StreamEnded(mode);
            }

            _metrics.RequestCompleted(mode, context.Request.Method, HawserMetrics.RouteClass(path),
                context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
            _metrics.BodyBytes(mode, "in", requestBody.Count);
            _metrics.BodyBytes(mode, "out", responseBody.Count);
        }
    }

    /// <summary>The <see cref="HttpContext.Items"/> key that names the mode a request came in by.</summary>
    public const string ModeKey = "hawser.mode";

    private void LiftBodyLimits(HttpContext context)
    {
        // Kestrel's 30 MB cap and minimum upload rate would break image loads and build contexts that pause.
        var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (size is { IsReadOnly: false })
        {
            size.MaxRequestBodySize = _maxRequestBodyBytes;
        }

        var rate = context.Features.Get<IHttpMinRequestBodyDataRateFeature>();
        if (rate is not null)
        {
            rate.MinDataRate = null;
        }
    }

    private async Task ReportAsync(HttpContext context, ForwarderError error)
    {
        var exception = context.GetForwarderErrorFeature()?.Exception;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeRequestCanceled
            || context.RequestAborted.IsCancellationRequested || exception is ResponseTooLargeException)
        {
            Log.ClientWentAway(_logger, context.Request.Method, error);
            return;
        }

        Activity.Current?.SetStatus(ActivityStatusCode.Error, error.ToString());
        if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            Log.RequestBodyTooLarge(_logger, context.Request.Method, _maxRequestBodyBytes);
            await WriteIfPossibleAsync(context, StatusCodes.Status413PayloadTooLarge,
                "The request body is larger than this agent allows (Hawser:Proxy:MaxRequestBodyBytes).")
                .ConfigureAwait(false);
            return;
        }

        Log.DockerRequestFailed(_logger, _endpoint, context.Request.Method, error, exception);
        if (error == ForwarderError.RequestTimedOut)
        {
            await WriteIfPossibleAsync(context, StatusCodes.Status504GatewayTimeout,
                "The Docker daemon did not answer in time.").ConfigureAwait(false);
            return;
        }

        await WriteIfPossibleAsync(context, StatusCodes.Status502BadGateway,
            error == ForwarderError.Request
                ? "The Docker daemon is not reachable from the agent."
                : "The Docker request failed between the agent and the daemon.").ConfigureAwait(false);
    }

    private static Task WriteIfPossibleAsync(HttpContext context, int statusCode, string message) =>
        context.Response.HasStarted ? Task.CompletedTask : ErrorResponses.WriteAsync(context, statusCode, message);

    public void Dispose() => _invoker.Dispose();

    private static partial class Log
    {
        // YARP's own log of the same failure is turned off in appsettings.json, so the exception is logged once.
        [LoggerMessage(2010, LogLevel.Warning, "Docker {Method} request to {DockerEndpoint} failed ({Error})")]
        public static partial void DockerRequestFailed(ILogger logger, string dockerEndpoint, string method,
            ForwarderError error, Exception? exception);

        [LoggerMessage(2011, LogLevel.Debug, "Client went away during a Docker {Method} request ({Error})")]
        public static partial void ClientWentAway(ILogger logger, string method, ForwarderError error);

        [LoggerMessage(2012, LogLevel.Information, "Refused a Docker {Method} request body over {MaxBytes} bytes")]
        public static partial void RequestBodyTooLarge(ILogger logger, string method, long? maxBytes);
    }
}
