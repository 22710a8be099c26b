using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Compose;

/// <summary>
/// Runs one compose operation (spec 5.4): files written to the stack folder first, then <c>docker compose</c> (v2)
/// or <c>docker-compose</c> (v1) in that folder with a clean environment, under <c>COMPOSE_TIMEOUT</c>, with the whole
/// process tree killed on timeout or cancellation. One operation at a time per stack; a second one waits.
/// </summary>
internal sealed partial class ComposeRunner(
    IOptions<HawserOptions> options,
    DockerEndpoint endpoint,
    IDockerEngine engine,
    ILogger<ComposeRunner> logger)
{
    private const int MaxOutputChars = 1024 * 1024;

    private static readonly HashSet<string> ReservedVariables = new(StringComparer.Ordinal)
    {
        "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH",
        "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT", "HOME", "SHELL", "BASH_ENV", "ENV", "CDPATH", "IFS",
    };

    // Later files win, so the generated .env.dockhand overrides the repository's .env (spec 5.4 step 4).
    private static readonly string[] EnvFiles = [".env", ".env.dockhand"];
    private static readonly string[] OverrideSuffixes = [".override.yml", ".override.yaml"];

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _stacks = new(StringComparer.Ordinal);
    private string[]? _cli;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();

    /// <summary>The compose command line prefix that works here, or null (then no compose capability).</summary>
    public async Task<string[]?> DetectAsync(CancellationToken cancellationToken)
    {
        if (_cli is not null)
        {
            return _cli;
        }

        await PinApiVersionAsync(cancellationToken).ConfigureAwait(false);

        foreach (var candidate in new[] { new[] { "docker", "compose" }, ["docker-compose"] })
        {
            var (code, _, _) = await RunAsync(candidate, ["version"], Directory.GetCurrentDirectory(),
                BaseEnvironment(null), TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
            if (code == 0)
            {
                return _cli = candidate;
            }
        }

        return null;
    }

    public async Task<ComposeResult> ExecuteAsync(ComposeOperation op, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);

        var stack = StackFolder.Open(options.Value.Compose.StacksDir, op.ProjectName, out var nameError);
        if (stack is null)
        {
            return ComposeResult.Refused(nameError!);
        }

        if (op.Operation is not ("up" or "down" or "stop" or "start" or "restart" or "pull" or "ps" or "logs"))
        {
            return ComposeResult.Refused($"unsupported compose operation '{op.Operation}'.");
        }

        if (op.ServiceName is { } service && (service.StartsWith('-') || service.Any(char.IsWhiteSpace)))
        {
            return ComposeResult.Refused($"serviceName '{service}' is not a service name.");
        }

        if (op.EnvVars.Keys.FirstOrDefault(k => !VariableName().IsMatch(k) || ReservedVariables.Contains(k)) is { } bad)
        {
            return ComposeResult.Refused($"envVars may not set '{bad}'.");
        }

        var gate = _stacks.GetOrAdd(op.ProjectName, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunLockedAsync(op, stack, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file that cannot be written or read (read-only root, wrong owner: the message names the path) is
            // an answer, not a crash.
            return new ComposeResult(false, "", $"compose {op.Operation} failed: {ex.Message}", 1);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<ComposeResult> RunLockedAsync(ComposeOperation op, StackFolder stack, CancellationToken cancellationToken)
    {
        // No compose command, nothing to write: the stack folder is left as it was.
        var cli = await DetectAsync(cancellationToken).ConfigureAwait(false);
        if (cli is null)
        {
            return new ComposeResult(false, "", "Docker Compose is not installed: install the docker compose plugin (v2) or docker-compose (v1).", 1);
        }

        // Step 1: files, all checked before any is written.
        if (stack.Write(op.Files) is { } escaping)
        {
            return ComposeResult.Refused($"file path '{escaping}' is not a relative path inside the stack folder; nothing was written.");
        }

        // Step 2: deletion sync before up; files of a deleted stack after its down (step 9).
        List<string>? deleted = null;
        List<SkippedFile>? skipped = null;
        if (op.Operation == "up" && op.FilesToDelete.Count > 0)
        {
            (deleted, skipped) = stack.Delete(op.FilesToDelete, protectLoadBearing: true);
        }

        // Step 3: the compose file and the command.
        var composeFile = ChooseComposeFile(op, stack);
        var args = new List<string> { "-p", op.ProjectName };
        var stdin = (string?)null;
        if (composeFile is null)
        {
            args.AddRange(["-f", "-"]);
            stdin = op.ComposeFile;
        }
        else
        {
            args.AddRange(["-f", composeFile]);
            if (Override(composeFile) is { } overrideFile)
            {
                args.AddRange(["-f", overrideFile]);
            }
        }

        // LIMITATION: compose v1 takes a single env file and reads the folder's .env by itself, so .env.dockhand
        // (Dockhand's generated variables for git stacks) is passed to compose v2 only.
        foreach (var envFile in EnvFiles.Select(f => System.IO.Path.Combine(stack.Path, f)))
        {
            if (File.Exists(envFile) && cli.Length == 2)
            {
                args.AddRange(["--env-file", envFile]);
            }
        }

        args.AddRange(Command(op));
        using var config = RegistryConfig.Create(op.Registries);
        var environment = BaseEnvironment(config?.Directory);
        foreach (var (key, value) in op.EnvVars)
        {
            environment[key] = value;
        }

        Log.ComposeStarted(logger, op.Operation, op.ProjectName);
        var timeout = options.Value.Compose.Timeout;
        var started = Stopwatch.GetTimestamp();
        if (op.Operation == "up" && op.Build && op.NoBuildCache)
        {
            // Compose's up has no --no-cache: the images are built without cache first, then up builds nothing new.
            var buildArgs = args.TakeWhile(a => a != "up").Concat(["build", "--no-cache"]).ToList();
            var (buildCode, buildOut, buildErr) = await RunAsync(cli, buildArgs, stack.Path, environment, timeout,
                cancellationToken, stdin).ConfigureAwait(false);
            if (buildCode != 0)
            {
                return new ComposeResult(false, buildOut, buildCode == TimedOut ? "compose build did not finish within "
                    + "COMPOSE_TIMEOUT and was killed." : buildErr, buildCode == TimedOut ? -1 : buildCode, deleted, skipped);
            }

            timeout -= Stopwatch.GetElapsedTime(started);
        }

        var (code, stdout, stderr) = await RunAsync(cli, args, stack.Path, environment,
            timeout > TimeSpan.Zero ? timeout : TimeSpan.FromSeconds(1), cancellationToken, stdin).ConfigureAwait(false);
        if (code == TimedOut)
        {
            Log.ComposeTimedOut(logger, op.Operation, op.ProjectName, (long)options.Value.Compose.Timeout.TotalSeconds);
            return new ComposeResult(false, stdout, $"compose {op.Operation} did not finish within COMPOSE_TIMEOUT "
                + $"({(long)options.Value.Compose.Timeout.TotalSeconds} s) and was killed.\n{stderr}".TrimEnd(), -1, deleted, skipped);
        }

        if (code == 0 && op.Operation == "down" && op.RemoveFiles)
        {
            (deleted, skipped) = stack.Delete(op.FilesToDelete, protectLoadBearing: false);
            stack.RemoveIfEmpty();
        }

        var output = string.IsNullOrWhiteSpace(stdout) ? stderr : stdout;
        return new ComposeResult(code == 0, output, code == 0 ? null : (string.IsNullOrEmpty(stderr) ? "compose failed" : stderr),
            code, deleted, skipped);
    }

    private static string? ChooseComposeFile(ComposeOperation op, StackFolder stack)
    {
        if (op.Files.Count == 0 && !string.IsNullOrEmpty(op.ComposeFile) && op.ComposeFileName is null)
        {
            return null;
        }

        var name = op.ComposeFileName
            ?? StackFolder.ComposeNames.FirstOrDefault(op.Files.ContainsKey)
            ?? StackFolder.ComposeNames.FirstOrDefault(n => File.Exists(System.IO.Path.Combine(stack.Path, n)))
            ?? "docker-compose.yml";
        var path = stack.Resolve(name) ?? System.IO.Path.Combine(stack.Path, "docker-compose.yml");
        if (!op.Files.ContainsKey(name) && !string.IsNullOrEmpty(op.ComposeFile))
        {
            Directory.CreateDirectory(stack.Path);
            File.WriteAllText(path, op.ComposeFile);
        }

        return path;
    }

    private static string? Override(string composeFile)
    {
        var name = System.IO.Path.GetFileName(composeFile);
        var stem = name.StartsWith("docker-compose", StringComparison.Ordinal) ? "docker-compose" : "compose";
        return OverrideSuffixes
            .Select(s => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(composeFile)!, stem + s))
            .FirstOrDefault(File.Exists);
    }

    private static IEnumerable<string> Command(ComposeOperation op)
    {
        switch (op.Operation)
        {
            case "up":
                yield return "up";
                yield return "-d";
                yield return "--remove-orphans";
                if (op.ForceRecreate) { yield return "--force-recreate"; }
                if (op.Build) { yield return "--build"; }
                if (!string.IsNullOrEmpty(op.PullPolicy)) { yield return "--pull"; yield return op.PullPolicy; }
                if (op.ServiceName is { } service) { yield return "--no-deps"; yield return service; }
                break;
            case "down":
                yield return "down";
                yield return "--remove-orphans";
                if (op.RemoveVolumes) { yield return "--volumes"; }
                break;
            case "logs":
                yield return "logs";
                yield return "--no-color";
                yield return "--tail";
                yield return "100";
                break;
            default:
                yield return op.Operation;
                if (op.Operation == "pull" && op.ServiceName is { } pulled) { yield return pulled; }
                break;
        }
    }

    private Dictionary<string, string?> BaseEnvironment(string? dockerConfig)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = Environment.GetEnvironmentVariable("HOME"),
            ["USER"] = Environment.GetEnvironmentVariable("USER"),
            ["DOCKER_HOST"] = endpoint.ToString(),
        };
        if (dockerConfig is not null)
        {
            environment["DOCKER_CONFIG"] = dockerConfig;
        }

        if (_apiVersion is not null)
        {
            environment["DOCKER_API_VERSION"] = _apiVersion;
        }

        return environment;
    }

    private string? _apiVersion;

    /// <summary>Pins compose to the daemon's API version, as the original agent does.</summary>
    public async Task PinApiVersionAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            _apiVersion = (await engine.GetVersionAsync(timeout.Token).ConfigureAwait(false)).ApiVersion;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Compose then negotiates the version itself.
            _apiVersion = null;
        }
    }

    private const int TimedOut = int.MinValue;

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(
        string[] cli,
        IEnumerable<string> args,
        string workingDirectory,
        Dictionary<string, string?> environment,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? stdin = null)
    {
        var info = new ProcessStartInfo(cli[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in cli.Skip(1).Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            if (value is not null)
            {
                info.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (127, "", $"{cli[0]} was not found");
        }

        var stdout = ReadBoundedAsync(process.StandardOutput);
        var stderr = ReadBoundedAsync(process.StandardError);
        await process.StandardInput.WriteAsync(stdin ?? "").ConfigureAwait(false);
        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return (cancellationToken.IsCancellationRequested ? -1 : TimedOut, await stdout.ConfigureAwait(false),
                await stderr.ConfigureAwait(false));
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            if (text.Length < MaxOutputChars)
            {
                text.Append(buffer, 0, Math.Min(read, MaxOutputChars - text.Length));
            }
        }

        return text.ToString();
    }

    /// <summary>A throwaway DOCKER_CONFIG holding the registries' credentials for this one operation.</summary>
    private sealed class RegistryConfig : IDisposable
    {
        private RegistryConfig(string directory) => Directory = directory;

        public string Directory { get; }

        public static RegistryConfig? Create(IReadOnlyList<(string Url, string Username, string Password)> registries)
        {
            var usable = registries.Where(r => r.Username.Length > 0 && r.Password.Length > 0).ToList();
            if (usable.Count == 0)
            {
                return null;
            }

            var dir = System.IO.Directory.CreateTempSubdirectory("hawser-registry-").FullName;
            var auths = usable.ToDictionary(
                r => Uri.TryCreate(r.Url.Contains("://", StringComparison.Ordinal) ? r.Url : "https://" + r.Url,
                    UriKind.Absolute, out var uri) ? uri.Authority : r.Url,
                r => new Dictionary<string, string>
                {
                    ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{r.Username}:{r.Password}")),
                });
            File.WriteAllText(System.IO.Path.Combine(dir, "config.json"),
                JsonSerializer.Serialize(
                    new Dictionary<string, Dictionary<string, Dictionary<string, string>>> { ["auths"] = auths },
                    HawserJson.Default.DictionaryStringDictionaryStringDictionaryStringString));
            return new RegistryConfig(dir);
        }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Information, "Compose {Operation} of stack {Project} started")]
        public static partial void ComposeStarted(ILogger logger, string operation, string project);

        [LoggerMessage(7002, LogLevel.Warning, "Compose {Operation} of stack {Project} ran past {Seconds} s and was killed")]
        public static partial void ComposeTimedOut(ILogger logger, string operation, string project, long seconds);

        // Next free id in Compose: 7003.
    }
}
