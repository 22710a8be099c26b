using Hawser.Proxy.Docker;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Configuration;

/// <summary>
/// Logs one start-up line: mode, listen address, Docker endpoint, daemon and API version, and which secrets are set
/// (never their values).
/// </summary>
internal sealed partial class StartupBanner(
    IOptions<HawserOptions> options,
    DockerEndpoint endpoint,
    IDockerEngine engine,
    ILogger<StartupBanner> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        string engineVersion;
        string apiVersion;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var version = await engine.GetVersionAsync(timeout.Token).ConfigureAwait(false);
            (engineVersion, apiVersion) = (version.Version, version.ApiVersion);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            (engineVersion, apiVersion) = ("unreachable", "unknown");
            Log.DockerUnreachableAtStart(logger, endpoint.ToString(), Reason(ex));
        }

        if (o.EffectiveMode == AgentMode.Edge)
        {
            var server = new Uri(o.Edge.ServerUrl!);
            Log.StartedEdge(logger, AgentVersion.Current, $"{server.Scheme}://{server.Authority}{server.AbsolutePath}",
                $"http://{ListenerAddress.Effective(o)}:{o.Listen.Port}", endpoint.ToString(), engineVersion,
                apiVersion, SetOrNot(o.Token), string.IsNullOrEmpty(o.Edge.CaCertPath) ? "system" : "CA_CERT only");
            if (o.Edge.DangerousSkipTlsVerify)
            {
                Log.TlsVerificationOff(logger);
            }

            return;
        }

        var tls = !string.IsNullOrEmpty(o.Listen.TlsCertPath);
        var address = ListenerAddress.Effective(o);
        Log.Started(logger, AgentVersion.Current, o.EffectiveMode.ToString().ToLowerInvariant(),
            $"{(tls ? "https" : "http")}://{ListenerAddress.UrlHost(address)}:{o.Listen.Port}",
            endpoint.ToString(), engineVersion, apiVersion, SetOrNot(o.Token), tls ? "on" : "off",
            string.IsNullOrWhiteSpace(o.Listen.TrustedProxies) ? "none" : o.Listen.TrustedProxies);
        if (string.IsNullOrEmpty(o.Token))
        {
            Log.NoToken(logger, address);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string SetOrNot(string? secret) => string.IsNullOrEmpty(secret) ? "not set" : "set";

    // One line for the log: the innermost error, and the usual cause of a socket path that is a folder (a bind
    // mount of a host path that did not exist makes one).
    private string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var reason = $"{inner.GetType().Name}: {inner.Message}";
        return endpoint.Kind == DockerEndpointKind.UnixSocket && Directory.Exists(endpoint.Address)
            ? $"{endpoint.Address} is a folder, not a socket; mount the daemon's socket there ({reason})"
            : reason;
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information,
            "Hawser.Proxy {Version} started: mode {Mode}, listening on {ListenUrl}, Docker {DockerEndpoint} "
            + "(engine {EngineVersion}, API {ApiVersion}), token {Token}, TLS {Tls}, trusted proxies {TrustedProxies}")]
        public static partial void Started(ILogger logger, string version, string mode, string listenUrl,
            string dockerEndpoint, string engineVersion, string apiVersion, string token, string tls,
            string trustedProxies);

        [LoggerMessage(1002, LogLevel.Warning,
            "No TOKEN is set: every client that reaches {Address} controls Docker; set TOKEN before exposing the port")]
        public static partial void NoToken(ILogger logger, string address);

        [LoggerMessage(1003, LogLevel.Warning,
            "Docker daemon at {DockerEndpoint} does not answer yet ({Reason}); requests get 502 until it does")]
        public static partial void DockerUnreachableAtStart(ILogger logger, string dockerEndpoint, string reason);

        [LoggerMessage(1004, LogLevel.Information,
            "Hawser.Proxy {Version} started: mode edge, server {ServerUrl}, health on {HealthUrl}, Docker "
            + "{DockerEndpoint} (engine {EngineVersion}, API {ApiVersion}), token {Token}, trust {Trust}")]
        public static partial void StartedEdge(ILogger logger, string version, string serverUrl, string healthUrl,
            string dockerEndpoint, string engineVersion, string apiVersion, string token, string trust);

        [LoggerMessage(1005, LogLevel.Warning,
            "TLS_SKIP_VERIFY is on: the agent accepts any certificate for Dockhand, so anyone on the path can pose "
            + "as Dockhand and control Docker. Use CA_CERT instead")]
        public static partial void TlsVerificationOff(ILogger logger);

        // Next free id in Configuration: 1006.
    }
}
