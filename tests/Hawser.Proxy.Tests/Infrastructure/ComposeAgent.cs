using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>An agent in either mode with its own STACKS_DIR, and a way to send it compose operations as Dockhand does.</summary>
internal sealed class ComposeAgent : IAsyncDisposable
{
    private readonly StandardAgent? _standard;
    private readonly EdgeAgent? _edge;
    private readonly FakeDockhand? _dockhand;
    private readonly AgentLink? _link;

    private ComposeAgent(string stacksDir, StandardAgent? standard, EdgeAgent? edge, FakeDockhand? dockhand, AgentLink? link)
    {
        StacksDir = stacksDir;
        _standard = standard;
        _edge = edge;
        _dockhand = dockhand;
        _link = link;
    }

    public string StacksDir { get; }

    public string Project { get; } = "t" + Guid.NewGuid().ToString("N")[..10];

    public int Pid => (_standard?.Agent ?? _edge!.Agent).Pid;

    public static async Task<ComposeAgent> StartAsync(DockerEngineFixture engine, string mode,
        IDictionary<string, string?>? extra = null)
    {
        var stacksDir = Directory.CreateTempSubdirectory("hawser-stacks-").FullName;
        var settings = new Dictionary<string, string?> { ["STACKS_DIR"] = stacksDir };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        if (mode == "standard")
        {
            return new ComposeAgent(stacksDir, await StandardAgent.StartAsync(engine, settings), null, null, null);
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var dockhand = await FakeDockhand.StartAsync(token);
        var edge = await EdgeAgent.StartAsync(engine, dockhand.Url, token, settings);
        var link = await dockhand.WaitForAgentAsync(TimeSpan.FromSeconds(30));
        return new ComposeAgent(stacksDir, null, edge, dockhand, link);
    }

    /// <summary>The operation object as Dockhand 1.0.36 builds it (spec 5.2).</summary>
    public Dictionary<string, object?> Operation(string operation, string composeFile, bool removeVolumes = false,
        Dictionary<string, string>? files = null, string? composeFileName = null)
    {
        var op = new Dictionary<string, object?>
        {
            ["operation"] = operation,
            ["projectName"] = Project,
            ["composeFile"] = composeFile,
            ["envVars"] = new Dictionary<string, string>(),
            ["files"] = files ?? new Dictionary<string, string>(),
            ["forceRecreate"] = false,
            ["removeVolumes"] = removeVolumes,
            ["build"] = false,
            ["noBuildCache"] = false,
            ["pullPolicy"] = "",
            ["registries"] = Array.Empty<object>(),
            ["removeFiles"] = false,
        };
        if (composeFileName is not null)
        {
            op["composeFileName"] = composeFileName;
        }

        return op;
    }

    public async Task<(int Status, JsonElement Result)> RunAsync(Dictionary<string, object?> op)
    {
        if (_standard is not null)
        {
            using var client = _standard.Agent.CreateClient(_standard.Token);
            using var response = await client.PostAsJsonAsync("/_hawser/compose", op);
            return ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        var frame = await _link!.RequestAsync("POST", "/_hawser/compose", op,
            headers: new() { ["Content-Type"] = "application/json" }, timeout: TimeSpan.FromMinutes(2));
        return (frame.GetProperty("statusCode").GetInt32(),
            JsonDocument.Parse(frame.GetProperty("body").GetString()!).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        if (_standard is not null)
        {
            await _standard.DisposeAsync();
        }

        if (_edge is not null)
        {
            await _edge.DisposeAsync();
            await _dockhand!.DisposeAsync();
        }

        Directory.Delete(StacksDir, recursive: true);
    }
}
