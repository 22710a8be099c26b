using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>The real agent binary in its own process, on a free loopback port, with its console output kept.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    // Variables of the developer's shell that would change the agent under test.
    private static readonly string[] Inherited =
    [
        "TOKEN", "PORT", "BIND_ADDRESS", "DOCKER_HOST", "DOCKER_SOCKET", "DOCKHAND_SERVER_URL", "TLS_CERT", "TLS_KEY",
        "REQUEST_TIMEOUT", "LOG_LEVEL", "AGENT_ID", "AGENT_NAME", "DANGEROUS_ALLOW_NO_TOKEN", "ASPNETCORE_URLS",
        "TRUSTED_PROXIES", "DRAIN_TIMEOUT",
    ];

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private readonly IPAddress _listenAddress;

    private AgentProcess(Process process, int port, IPAddress listenAddress)
    {
        _process = process;
        Port = port;
        _listenAddress = listenAddress;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static Dictionary<string, string?> CleanEnvironment(IDictionary<string, string?> settings)
    {
        var environment = Inherited.ToDictionary(name => name, _ => (string?)null);
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return environment;
    }

    public static async Task<AgentProcess> StartAsync(IDictionary<string, string?> settings)
    {
        var port = FreePort();
        var environment = CleanEnvironment(settings);
        environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var (fileName, arguments) = RepositoryPaths.AgentCommand();
        // Waited for on loopback, or on the one address BIND_ADDRESS names.
        var listenAddress = environment.TryGetValue("BIND_ADDRESS", out var bind) && IPAddress.TryParse(bind, out var ip)
            && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) ? ip : IPAddress.Loopback;
        var agent = new AgentProcess(ProcessRunner.Start(fileName, arguments, environment), port, listenAddress);
        await agent.WaitUntilListeningAsync();
        return agent;
    }

    /// <summary>Runs the agent to its exit, for start-up failures.</summary>
    public static Task<ProcessResult> RunToExitAsync(IDictionary<string, string?> settings, params string[] arguments)
    {
        var (fileName, command) = RepositoryPaths.AgentCommand(arguments);
        return ProcessRunner.RunAsync(fileName, command, CleanEnvironment(settings), timeout: TimeSpan.FromSeconds(60));
    }

    public HttpClient CreateClient(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Add("X-Hawser-Token", token);
        }

        return client;
    }

    /// <summary>Resident memory of the agent process, from /proc.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb * 1024;
            }
        }

        throw new InvalidOperationException("VmRSS missing");
    }

    /// <summary>Stops the agent as an init system would (SIGTERM) and waits for it to exit.</summary>
    public async Task<int> TerminateAsync()
    {
        var result = await ProcessRunner.RunAsync("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.Equal(0, result.ExitCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilListeningAsync()
    {
        // A TCP connect works for HTTP and HTTPS alike; the banner is logged once Kestrel listens.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"agent exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(_listenAddress, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("agent did not listen within 30 s:\n" + Log);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
