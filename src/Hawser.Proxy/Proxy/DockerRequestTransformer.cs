using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Copies the request as YARP does by default, then sends the client's request target byte for byte (Docker image
/// names carry <c>%2F</c>) with the token stripped from both the header and the query, so the daemon never sees it.
/// Headers of a response without a known length go out at once: Docker answers <c>wait</c>, <c>attach</c> or an
/// idle <c>events</c> call with headers long before the first body byte, and the docker CLI waits for them.
/// </summary>
internal sealed class DockerRequestTransformer : HttpTransformer
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext,
        HttpRequestMessage proxyRequest,
        string destinationPrefix,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);

        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken)
            .ConfigureAwait(false);
        proxyRequest.Headers.Remove(TokenAuthenticator.HeaderName);

        // The daemon sees Host: localhost, as from the docker CLI, not the agent's public name.
        proxyRequest.Headers.Host = null;
        var rawTarget = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "/";
        proxyRequest.RequestUri = new Uri(destinationPrefix + DockerRoutes.WithoutToken(rawTarget), Verbatim);
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext,
        HttpResponseMessage? proxyResponse,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);

        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken)
            .ConfigureAwait(false);
        // Not for a 101: YARP still has to add the upgrade headers (attach/ws, BuildKit's /session).
        if (proceed && proxyResponse is { StatusCode: not System.Net.HttpStatusCode.SwitchingProtocols }
            && proxyResponse.Content.Headers.ContentLength is null)
        {
            await httpContext.Response.StartAsync(cancellationToken).ConfigureAwait(false);
            await httpContext.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return proceed;
    }
}
