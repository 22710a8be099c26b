using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>
/// The real docker CLI pointed at the agent: <c>DOCKER_HOST=tcp://127.0.0.1:PORT</c> and a <c>DOCKER_CONFIG</c>
/// folder whose config.json sends the token header.
/// </summary>
internal sealed class DockerCli : IDisposable
{
    private readonly string _configDir = Directory.CreateTempSubdirectory("hawser-cli-").FullName;

    public DockerCli(int port, string? token)
    {
        var headers = token is null ? new Dictionary<string, string>() : new() { ["X-Hawser-Token"] = token };
        File.WriteAllText(Path.Combine(_configDir, "config.json"),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["HttpHeaders"] = headers }));
        Environment = new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = string.Create(CultureInfo.InvariantCulture, $"tcp://127.0.0.1:{port}"),
            ["DOCKER_CONFIG"] = _configDir,
            ["DOCKER_CONTEXT"] = null,
            ["DOCKER_TLS_VERIFY"] = null,
            ["DOCKER_CERT_PATH"] = null,
        };
    }

    public Dictionary<string, string?> Environment { get; }

    public Task<ProcessResult> RunAsync(string arguments, string? stdin = null, TimeSpan? timeout = null) =>
        RunAsync(Split(arguments), stdin, timeout);

    public Task<ProcessResult> RunAsync(string[] arguments, string? stdin = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("docker", arguments, Environment, stdin, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Runs a shell command line with the CLI's environment (for pipes and pty wrappers).</summary>
    public Task<ProcessResult> ShellAsync(string commandLine, string? stdin = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("sh", ["-c", commandLine], Environment, stdin, timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Starts a long-running command (logs -f, events) whose output the test reads line by line.</summary>
    public Process Start(string arguments) => ProcessRunner.Start("docker", Split(arguments), Environment);

    /// <summary>Starts a detached busybox container that sleeps, and returns its name.</summary>
    public async Task<string> StartSleeperAsync(params string[] command)
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        string[] run = ["run", "-d", "--name", name, "local/busybox:1"];
        var result = await RunAsync([.. run, .. command.Length == 0 ? ["sleep", "600"] : command]);
        Assert.True(result.ExitCode == 0, result.Output);
        return name;
    }

    public async Task RemoveAsync(string name) => await RunAsync($"rm -f {name}");

    public void Dispose() => Directory.Delete(_configDir, recursive: true);

    private static string[] Split(string arguments) =>
        arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
