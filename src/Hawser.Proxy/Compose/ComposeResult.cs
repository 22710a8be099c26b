using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hawser.Proxy.Compose;

/// <summary>The result Dockhand reads with <c>response.json()</c>, on success and on failure alike (spec 5.5).</summary>
internal sealed record ComposeResult(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("deletedFiles"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<string>? DeletedFiles = null,
    [property: JsonPropertyName("skippedFiles"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<SkippedFile>? SkippedFiles = null)
{
    /// <summary>Refused before anything ran (bad body, bad path): HTTP 400.</summary>
    [JsonIgnore]
    public bool IsBadRequest { get; init; }

    public static ComposeResult Refused(string error) => new(false, "", error, 0) { IsBadRequest = true };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, HawserJson.Default.ComposeResult);
}

internal sealed record SkippedFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("reason")] string Reason);
