using System.Globalization;
using System.Net;
using Hawser.Proxy.Docker;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Configuration;

/// <summary>
/// Checks every setting at start and reports all problems at once, one line each, naming the setting, the rule and
/// the way out. Secrets are only said to be set or not set.
/// </summary>
internal sealed class HawserOptionsValidator(ConfigurationProblems earlyProblems, DockerEndpointResolver resolver)
    : IValidateOptions<HawserOptions>
{
    public ValidateOptionsResult Validate(string? name, HawserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var problems = new List<string>(earlyProblems.Items);
        ValidateMode(options, problems);
        ValidateListener(options, problems);
        ValidateDocker(options.Docker, problems);
        ValidateProxy(options.Proxy, problems);
        if (options.EffectiveMode == AgentMode.Edge)
        {
            ValidateEdge(options.Edge, problems);
        }

        Range(problems, "Hawser:Compose:Timeout (COMPOSE_TIMEOUT)", options.Compose.Timeout,
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        if (string.IsNullOrWhiteSpace(options.Compose.StacksDir))
        {
            problems.Add("Hawser:Compose:StacksDir (STACKS_DIR) must not be empty; set a folder such as /data/stacks.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void ValidateMode(HawserOptions options, List<string> problems)
    {
        var serverUrl = options.Edge.ServerUrl;
        if (options.EffectiveMode == AgentMode.Edge && string.IsNullOrEmpty(serverUrl))
        {
            problems.Add("Edge mode needs Hawser:Edge:ServerUrl (DOCKHAND_SERVER_URL or --server), "
                + "e.g. wss://dockhand.example.com/api/hawser/connect.");
        }

        if (!string.IsNullOrEmpty(serverUrl) && options.EffectiveMode == AgentMode.Edge)
        {
            if (!serverUrl.StartsWith("ws://", StringComparison.OrdinalIgnoreCase)
                && !serverUrl.StartsWith("wss://", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("Hawser:Edge:ServerUrl (DOCKHAND_SERVER_URL) must start with ws:// or wss:// "
                    + $"(got '{UriForDisplay(serverUrl)}').");
            }

            if (string.IsNullOrEmpty(options.Token))
            {
                problems.Add("Hawser:Token (TOKEN) is not set; edge mode needs the token shown by Dockhand "
                    + "for this environment.");
            }
        }
    }

    private static void ValidateListener(HawserOptions options, List<string> problems)
    {
        var listen = options.Listen;
        if (listen.Port is < 1 or > 65535)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"Hawser:Listen:Port (PORT) must be from 1 to 65535 (got {listen.Port})."));
        }

        if (!string.IsNullOrEmpty(listen.BindAddress) && !ListenerAddress.TryParse(listen.BindAddress, out _))
        {
            problems.Add("Hawser:Listen:BindAddress (BIND_ADDRESS) must be *, 0.0.0.0, :: or an IP address "
                + $"(got '{listen.BindAddress}').");
        }

        if (!TrustedProxyList.TryParse(listen.TrustedProxies, out _, out var badEntry))
        {
            problems.Add("Hawser:Listen:TrustedProxies (TRUSTED_PROXIES) must list IP addresses or CIDR ranges "
                + $"separated by commas, e.g. 10.0.0.5,192.168.0.0/16 (got '{badEntry}').");
        }

        Range(problems, "Hawser:Listen:DrainTimeout (DRAIN_TIMEOUT)", listen.DrainTimeout, TimeSpan.Zero,
            TimeSpan.FromHours(1));

        var hasCert = !string.IsNullOrEmpty(listen.TlsCertPath);
        var hasKey = !string.IsNullOrEmpty(listen.TlsKeyPath);
        if (hasCert != hasKey)
        {
            problems.Add("Hawser:Listen:TlsCertPath (TLS_CERT) and Hawser:Listen:TlsKeyPath (TLS_KEY) must be set "
                + "together; set both for TLS or neither for plain HTTP.");
        }
        else if (hasCert)
        {
            var error = TlsCertificateLoader.TryLoad(listen.TlsCertPath!, listen.TlsKeyPath!, out _);
            if (error is not null)
            {
                problems.Add($"TLS_CERT/TLS_KEY cannot be used: {error}");
            }
        }

        if (options.EffectiveMode == AgentMode.Standard && string.IsNullOrEmpty(options.Token)
            && !listen.DangerousAllowUnauthenticated && !string.IsNullOrEmpty(listen.BindAddress)
            && ListenerAddress.TryParse(listen.BindAddress, out var address) && !IPAddress.IsLoopback(address!))
        {
            problems.Add($"No TOKEN is set, so the agent refuses to listen on {listen.BindAddress}: anyone reaching "
                + "it would control Docker. Set TOKEN, bind to 127.0.0.1, or set DANGEROUS_ALLOW_NO_TOKEN=true.");
        }
    }

    private void ValidateDocker(DockerOptions docker, List<string> problems)
    {
        var error = resolver.TryResolve(docker, out _);
        if (error is not null)
        {
            problems.Add(error);
        }

        Range(problems, "Hawser:Docker:ConnectTimeout", docker.ConnectTimeout,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
    }

    private static void ValidateProxy(ProxyOptions proxy, List<string> problems)
    {
        Range(problems, "Hawser:Proxy:RequestTimeout (REQUEST_TIMEOUT)", proxy.RequestTimeout,
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        if (proxy.MaxRequestBodyBytes is < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"Hawser:Proxy:MaxRequestBodyBytes (MAX_REQUEST_BODY_BYTES) must be at least 1, or unset for no "
                + $"limit (got {proxy.MaxRequestBodyBytes})."));
        }
    }

    private static void ValidateEdge(EdgeOptions edge, List<string> problems)
    {
        Range(problems, "Hawser:Edge:HeartbeatInterval (HEARTBEAT_INTERVAL)", edge.HeartbeatInterval,
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(problems, "Hawser:Edge:ReconnectDelay (RECONNECT_DELAY)", edge.ReconnectDelay,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        Range(problems, "Hawser:Edge:MaxReconnectDelay (MAX_RECONNECT_DELAY)", edge.MaxReconnectDelay,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24));
        Range(problems, "Hawser:Edge:WelcomeTimeout (WELCOME_TIMEOUT)", edge.WelcomeTimeout,
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        if (edge.MaxReconnectDelay < edge.ReconnectDelay)
        {
            problems.Add("Hawser:Edge:MaxReconnectDelay (MAX_RECONNECT_DELAY) must not be below "
                + "Hawser:Edge:ReconnectDelay (RECONNECT_DELAY).");
        }

        if (edge.MaxMessageBytes is < 1024 * 1024 or > 2048L * 1024 * 1024)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"Hawser:Edge:MaxMessageBytes (MAX_MESSAGE_SIZE_MB) must be from 1 MiB to 2 GiB "
                + $"(got {edge.MaxMessageBytes} bytes)."));
        }

        if (edge.DeadLinkTimeout is { } deadLink)
        {
            Range(problems, "Hawser:Edge:DeadLinkTimeout", deadLink, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        }

        if (!string.IsNullOrEmpty(edge.CaCertPath) && !File.Exists(edge.CaCertPath))
        {
            problems.Add($"Hawser:Edge:CaCertPath (CA_CERT) names a file that does not exist: '{edge.CaCertPath}'.");
        }
    }

    private static void Range(List<string> problems, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{setting} must be from {Describe(min)} to {Describe(max)} (got {Describe(value)})."));
        }
    }

    private static string Describe(TimeSpan value) => (value.TotalSeconds >= 1 || value == TimeSpan.Zero) && value.Milliseconds == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds} s")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds} ms");

    // The URL may carry credentials in its user-info or query; show scheme, host and path only.
    private static string UriForDisplay(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{uri.Host}{uri.AbsolutePath}"
            : value.Split('?', 2)[0];
}
