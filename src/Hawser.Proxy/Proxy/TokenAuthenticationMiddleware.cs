using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Rejects requests without the right token with 401, before anything reaches Docker. Only the health endpoints
/// (<c>/_hawser/health</c>, <c>/health</c>) are open, and <c>/metrics</c> as MetricsOptions.Access says.
/// </summary>
internal sealed partial class TokenAuthenticationMiddleware(
    RequestDelegate next,
    TokenAuthenticator authenticator,
    IOptions<HawserOptions> options,
    ILogger<TokenAuthenticationMiddleware> logger)
{
    public const string UnauthorizedMessage = "Unauthorized: missing or wrong X-Hawser-Token";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var path = context.Request.Path.Value;
        if (!authenticator.IsRequired || path is "/_hawser/health" or "/health" || IsOpenMetrics(context, path))
        {
            return next(context);
        }

        var header = context.Request.Headers[TokenAuthenticator.HeaderName].ToString();

        // Prometheus sends credentials as a bearer token; only /metrics takes them, as Docker routes never see them.
        if (string.IsNullOrEmpty(header) && path == "/metrics"
            && context.Request.Headers.Authorization.ToString() is { } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            header = authorization["Bearer ".Length..].Trim();
        }

        var query = context.Request.Query.TryGetValue("token", out var values) ? values.ToString() : null;
        if (authenticator.IsAuthorized(header, query))
        {
            return next(context);
        }

        Log.RequestUnauthorized(logger, context.Request.Method, path, context.Connection.RemoteIpAddress?.ToString());
        return ErrorResponses.WriteAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedMessage);
    }

    private bool IsOpenMetrics(HttpContext context, string? path) => path == "/metrics"
        && options.Value.Metrics.Access switch
        {
            MetricsAccess.Open => true,
            MetricsAccess.LoopbackOrToken => LoadBalancerSupport.IsFromLoopback(context),
            _ => false,
        };

    private static partial class Log
    {
        // Debug, not Warning: a scanner on an open port would otherwise fill the log. The token is never logged.
        [LoggerMessage(2001, LogLevel.Debug, "Rejected {Method} {Path} from {RemoteAddress}: missing or wrong token")]
        public static partial void RequestUnauthorized(ILogger logger, string method, string? path, string? remoteAddress);
    }
}
