using System.Text.Json;
using static Hawser.Proxy.JsonFields;

namespace Hawser.Proxy.Compose;

/// <summary>The operation object Dockhand sends (spec 5.2); unknown keys are ignored.</summary>
internal sealed record ComposeOperation(
    string Operation,
    string ProjectName,
    string? ComposeFile,
    string? ComposeFileName,
    IReadOnlyDictionary<string, string> EnvVars,
    IReadOnlyDictionary<string, string> Files,
    bool ForceRecreate,
    bool RemoveVolumes,
    bool Build,
    bool NoBuildCache,
    string PullPolicy,
    IReadOnlyList<(string Url, string Username, string Password)> Registries,
    string? ServiceName,
    IReadOnlyList<(string Path, string Sha256)> FilesToDelete,
    bool RemoveFiles)
{
    public static ComposeOperation Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the body must be a JSON object");
        }

        return new ComposeOperation(
            Text(body, "operation") ?? throw new FormatException("operation is missing"),
            Text(body, "projectName") ?? throw new FormatException("projectName is missing"),
            Text(body, "composeFile"),
            Text(body, "composeFileName"),
            Map(body, "envVars"),
            Map(body, "files"),
            Flag(body, "forceRecreate"),
            Flag(body, "removeVolumes"),
            Flag(body, "build"),
            Flag(body, "noBuildCache"),
            Text(body, "pullPolicy") ?? "",
            body.TryGetProperty("registries", out var r) && r.ValueKind == JsonValueKind.Array
                ? [.. r.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object)
                    .Select(e => (Text(e, "url") ?? "", Text(e, "username") ?? "", Text(e, "password") ?? ""))]
                : [],
            Text(body, "serviceName"),
            body.TryGetProperty("filesToDelete", out var d) && d.ValueKind == JsonValueKind.Array
                ? [.. d.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object)
                    .Select(e => (Text(e, "path") ?? "", Text(e, "sha256") ?? ""))]
                : [],
            Flag(body, "removeFiles"));
    }

    private static Dictionary<string, string> Map(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
            ? v.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String)
                .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
