using System.Text.Json.Serialization;
using Hawser.Proxy.Compose;

namespace Hawser.Proxy;

/// <summary>
/// Every type the agent serializes with System.Text.Json, generated at build time, so the trimmed container build
/// (deploy/Dockerfile) needs no reflection. A new serialized type is added here.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, Dictionary<string, string>>>))]
[JsonSerializable(typeof(ComposeResult))]
[JsonSerializable(typeof(Health.HealthReply))]
[JsonSerializable(typeof(Health.InfoReply))]
internal sealed partial class HawserJson : JsonSerializerContext;
