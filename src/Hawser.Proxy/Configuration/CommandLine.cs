using System.Globalization;

namespace Hawser.Proxy.Configuration;

/// <summary>
/// The command line: <c>hawser [standard|edge] [--port N] [--bind ADDR] [--token T] [--server URL] [--docker URI]</c>,
/// <c>--help</c> and <c>--version</c>. Flags override the environment. Unlike the original agent, which parsed
/// none of these, <c>TOKEN=… hawser standard --port N</c> (Dockhand's own hint) works.
/// </summary>
internal sealed record CommandLine(CommandLine.Action Command, IReadOnlyDictionary<string, string?> Settings, string? Error)
{
    public enum Action
    {
        Run,
        Help,
        Version,
        HealthCheck,
    }

    private static readonly Dictionary<string, string> FlagKeys = new(StringComparer.Ordinal)
    {
        ["--port"] = "Hawser:Listen:Port",
        ["--bind"] = "Hawser:Listen:BindAddress",
        ["--token"] = "Hawser:Token",
        ["--server"] = "Hawser:Edge:ServerUrl",
        ["--docker"] = "Hawser:Docker:Endpoint",
    };

    public const string Usage = """
        Usage: hawser [standard|edge] [options]

        Lets a Dockhand server manage this host's Docker daemon.
          standard            listen for Dockhand on --port (default when no server URL is set)
          edge                dial Dockhand at --server over a WebSocket
          healthcheck         exit 0 when the running agent on PORT reports healthy, 1 otherwise
                              (for container HEALTHCHECKs in images without curl or wget)

        Options (each overrides its environment variable):
          --port N            listen port, 1-65535 (PORT, default 2376)
          --bind ADDR         listen address, * or an IP (BIND_ADDRESS)
          --token T           shared secret (TOKEN); prefer the variable, flags show in ps
          --server URL        ws:// or wss:// URL of Dockhand's /api/hawser/connect (DOCKHAND_SERVER_URL)
          --docker URI        unix:///path, tcp://host:port or npipe://... (DOCKER_HOST, DOCKER_SOCKET)
          --help              show this text
          --version           show the version

        Every setting is also read from appsettings.json and HAWSER__SECTION__KEY variables; see README.md.
        """;

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);

        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help" or "-help" or "help":
                    return new CommandLine(Action.Help, settings, null);
                case "-v" or "--version" or "-version" or "version":
                    return new CommandLine(Action.Version, settings, null);
                case "healthcheck":
                    return new CommandLine(Action.HealthCheck, settings, null);
                case "standard":
                    settings["Hawser:Mode"] = nameof(AgentMode.Standard);
                    continue;
                case "edge":
                    settings["Hawser:Mode"] = nameof(AgentMode.Edge);
                    continue;
            }

            var (flag, value) = SplitFlag(arg);
            if (!FlagKeys.TryGetValue(flag, out var key))
            {
                return Fail($"unknown argument '{arg}'");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    return Fail($"{flag} needs a value");
                }

                value = args[++i];
            }

            if (flag == "--port" && !IsPort(value))
            {
                return Fail($"--port must be a whole number from 1 to 65535 (got '{value}')");
            }

            settings[key] = value;
        }

        return new CommandLine(Action.Run, settings, null);

        CommandLine Fail(string error) => new(Action.Run, settings, error);
    }

    private static (string Flag, string? Value) SplitFlag(string arg)
    {
        // Accept Go-style single dashes too (-port 2376), as the original's flag package did.
        var normalized = arg.StartsWith("--", StringComparison.Ordinal) || !arg.StartsWith('-') ? arg : "-" + arg;
        var equals = normalized.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (normalized, null) : (normalized[..equals], normalized[(equals + 1)..]);
    }

    private static bool IsPort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;
}
