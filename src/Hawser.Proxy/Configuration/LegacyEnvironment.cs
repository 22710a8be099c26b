using System.Collections;
using System.Globalization;

namespace Hawser.Proxy.Configuration;

/// <summary>
/// Maps the original agent's environment variables (<c>TOKEN</c>, <c>PORT</c>, …) onto the <c>Hawser:*</c> keys, in
/// this one place. Values are converted to the binder's formats (whole seconds become <c>hh:mm:ss</c>); a value that
/// does not parse is reported as a problem instead of silently becoming the default, as the original agent did.
/// </summary>
internal static class LegacyEnvironment
{
    private enum Kind
    {
        Text,
        Seconds,
        Boolean,
        Integer,
        Megabytes,
        SocketPath,
        LogLevel,
    }

    private static readonly (string Variable, string Key, Kind Kind)[] Map =
    [
        ("DOCKHAND_SERVER_URL", "Hawser:Edge:ServerUrl", Kind.Text),
        ("TOKEN", "Hawser:Token", Kind.Text),
        ("CA_CERT", "Hawser:Edge:CaCertPath", Kind.Text),
        ("TLS_SKIP_VERIFY", "Hawser:Edge:DangerousSkipTlsVerify", Kind.Boolean),
        ("PORT", "Hawser:Listen:Port", Kind.Integer),
        ("BIND_ADDRESS", "Hawser:Listen:BindAddress", Kind.Text),
        ("TLS_CERT", "Hawser:Listen:TlsCertPath", Kind.Text),
        ("TLS_KEY", "Hawser:Listen:TlsKeyPath", Kind.Text),
        ("TRUSTED_PROXIES", "Hawser:Listen:TrustedProxies", Kind.Text),
        ("DRAIN_TIMEOUT", "Hawser:Listen:DrainTimeout", Kind.Seconds),
        ("DANGEROUS_ALLOW_NO_TOKEN", "Hawser:Listen:DangerousAllowUnauthenticated", Kind.Boolean),
        ("DOCKER_HOST", "Hawser:Docker:Endpoint", Kind.Text),
        // After DOCKER_HOST so that it wins: the original agent always dials DOCKER_SOCKET.
        ("DOCKER_SOCKET", "Hawser:Docker:Endpoint", Kind.SocketPath),
        ("AGENT_ID", "Hawser:AgentId", Kind.Text),
        ("AGENT_NAME", "Hawser:AgentName", Kind.Text),
        ("HEARTBEAT_INTERVAL", "Hawser:Edge:HeartbeatInterval", Kind.Seconds),
        ("REQUEST_TIMEOUT", "Hawser:Proxy:RequestTimeout", Kind.Seconds),
        ("MAX_REQUEST_BODY_BYTES", "Hawser:Proxy:MaxRequestBodyBytes", Kind.Integer),
        ("RECONNECT_DELAY", "Hawser:Edge:ReconnectDelay", Kind.Seconds),
        ("MAX_RECONNECT_DELAY", "Hawser:Edge:MaxReconnectDelay", Kind.Seconds),
        ("WELCOME_TIMEOUT", "Hawser:Edge:WelcomeTimeout", Kind.Seconds),
        ("MAX_MESSAGE_SIZE_MB", "Hawser:Edge:MaxMessageBytes", Kind.Megabytes),
        ("STACKS_DIR", "Hawser:Compose:StacksDir", Kind.Text),
        ("STATE_DIR", "Hawser:StateDir", Kind.Text),
        ("HOST_PROC", "Hawser:Metrics:ProcRoot", Kind.Text),
        ("METRICS_ACCESS", "Hawser:Metrics:Access", Kind.Text),
        ("COMPOSE_TIMEOUT", "Hawser:Compose:Timeout", Kind.Seconds),
        ("LOG_LEVEL", "Logging:LogLevel:Default", Kind.LogLevel),
    ];

    /// <summary>The variables this mapper reads, for help texts.</summary>
    public static IEnumerable<string> Variables => Map.Select(m => m.Variable);

    /// <summary>Converts the legacy variables present in <paramref name="environment"/> to configuration keys.</summary>
    /// <param name="environment">The process environment, e.g. <see cref="Environment.GetEnvironmentVariables()"/>.</param>
    /// <param name="problems">Receives one line per value that cannot be used.</param>
    public static Dictionary<string, string?> ToSettings(IDictionary environment, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(problems);

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, key, kind) in Map)
        {
            // An empty string counts as unset, as in the original agent.
            if (environment[variable] is not string raw || raw.Length == 0)
            {
                continue;
            }

            var value = Convert(variable, raw.Trim(), kind, problems);
            if (value is not null)
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    private static string? Convert(string variable, string raw, Kind kind, ICollection<string> problems)
    {
        switch (kind)
        {
            case Kind.Text:
                return raw;
            case Kind.SocketPath:
                return raw.Contains("://", StringComparison.Ordinal) ? raw : "unix://" + raw;
            case Kind.Integer:
                if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return raw;
                }

                problems.Add($"{variable} must be a whole number (got '{raw}').");
                return null;
            case Kind.Seconds:
                if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
                }

                problems.Add($"{variable} must be a whole number of seconds (got '{raw}').");
                return null;
            case Kind.Megabytes:
                if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes))
                {
                    return (megabytes * 1024L * 1024L).ToString(CultureInfo.InvariantCulture);
                }

                problems.Add($"{variable} must be a whole number of megabytes (got '{raw}').");
                return null;
            case Kind.Boolean:
                var flag = ParseBoolean(raw);
                if (flag is not null)
                {
                    return flag.Value ? "true" : "false";
                }

                problems.Add($"{variable} must be one of true, false, 1, 0, yes, no, on, off (got '{raw}').");
                return null;
            case Kind.LogLevel:
                var level = raw.ToUpperInvariant() switch
                {
                    "TRACE" => "Trace",
                    "DEBUG" => "Debug",
                    "INFO" or "INFORMATION" => "Information",
                    "WARN" or "WARNING" => "Warning",
                    "ERROR" => "Error",
                    _ => null,
                };
                if (level is null)
                {
                    problems.Add($"{variable} must be one of trace, debug, info, warn, error (got '{raw}').");
                }

                return level;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static bool? ParseBoolean(string raw) => raw.ToUpperInvariant() switch
    {
        "TRUE" or "1" or "YES" or "ON" => true,
        "FALSE" or "0" or "NO" or "OFF" => false,
        _ => null,
    };
}
