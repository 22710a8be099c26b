using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hawser.Proxy.Edge;

/// <summary>
/// Writes the agent's frames (spec 3.4) as UTF-8 JSON. Relaxed escaping keeps base64's <c>+</c> as is instead of
/// <c>\u002B</c>, which would inflate every binary payload by about 8 %.
/// </summary>
internal static class EdgeFrames
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static byte[] Hello(
        string version,
        string agentId,
        string agentName,
        string token,
        string dockerVersion,
        string hostname,
        IReadOnlyList<string> capabilities) => Write(w =>
    {
        w.WriteString("type", "hello");
        w.WriteString("version", version);
        w.WriteString("protocol", "1.0");
        w.WriteString("agentId", agentId);
        w.WriteString("agentName", agentName);
        w.WriteString("token", token);
        w.WriteString("dockerVersion", dockerVersion);
        w.WriteString("hostname", hostname);
        w.WriteStartArray("capabilities");
        foreach (var capability in capabilities)
        {
            w.WriteStringValue(capability);
        }

        w.WriteEndArray();
    });

    public static byte[] Ping(long unixSeconds) => Write(w =>
    {
        w.WriteString("type", "ping");
        w.WriteNumber("timestamp", unixSeconds);
    });

    public static byte[] Pong(long unixSeconds) => Write(w =>
    {
        w.WriteString("type", "pong");
        w.WriteNumber("timestamp", unixSeconds);
    });

    /// <summary>
    /// A <c>response</c>. <paramref name="body"/> is omitted when empty and always for 204, 205 and 304: Dockhand
    /// builds a Node <c>Response</c>, which throws on an empty-string body for those statuses (spec 3.5.4).
    /// </summary>
    public static byte[] Response(
        string requestId,
        int statusCode,
        IEnumerable<KeyValuePair<string, string>> headers,
        ReadOnlySpan<byte> body,
        bool isBinary) => Write(w =>
    {
        w.WriteString("type", "response");
        w.WriteString("requestId", requestId);
        w.WriteNumber("statusCode", statusCode);
        w.WriteStartObject("headers");
        foreach (var (name, value) in headers)
        {
            w.WriteString(name, value);
        }

        w.WriteEndObject();
    }, body.IsEmpty || statusCode is 204 or 205 or 304 ? null : body.ToArray(), isBinary);

    public static byte[] ErrorResponse(string requestId, int statusCode, string message) =>
        Response(requestId, statusCode, [new("Content-Type", "application/json")],
            JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, string> { ["message"] = message }, HawserJson.Default.DictionaryStringString),
            false);

    public static byte[] Stream(string requestId, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        return Write(w =>
        {
            w.WriteString("type", "stream");
            w.WriteString("requestId", requestId);
            w.WriteBase64String("data", copy);
        });
    }

    public static byte[] StreamEnd(string requestId) => Write(w =>
    {
        w.WriteString("type", "stream_end");
        w.WriteString("requestId", requestId);
        w.WriteString("reason", "completed");
    });

    public static byte[] ExecReady(string execId) => Write(w =>
    {
        w.WriteString("type", "exec_ready");
        w.WriteString("execId", execId);
    });

    public static byte[] ExecOutput(string execId, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        return Write(w =>
        {
            w.WriteString("type", "exec_output");
            w.WriteString("execId", execId);
            w.WriteBase64String("data", copy);
        });
    }

    public static byte[] ExecEnd(string execId, string reason) => Write(w =>
    {
        w.WriteString("type", "exec_end");
        w.WriteString("execId", execId);
        w.WriteString("reason", reason);
    });

    /// <summary>
    /// An agent <c>error</c>: the text goes in both <c>error</c> (what the terminal relay shows) and <c>message</c>
    /// (what the server logs) (spec 3.4 D).
    /// </summary>
    public static byte[] Error(string requestId, string text, string code) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("requestId", requestId);
        w.WriteString("error", text);
        w.WriteString("message", text);
        w.WriteString("code", code);
    });

    public static byte[] Metrics(Telemetry.HostMetrics m, long unixSeconds) => Write(w =>
    {
        w.WriteString("type", "metrics");
        w.WriteNumber("timestamp", unixSeconds);
        w.WriteStartObject("metrics");
        w.WriteNumber("cpuUsage", Math.Round(m.CpuUsage, 2));
        w.WriteNumber("cpuCores", m.CpuCores);
        w.WriteNumber("memoryTotal", m.MemoryTotal);
        w.WriteNumber("memoryUsed", m.MemoryUsed);
        w.WriteNumber("memoryFree", m.MemoryFree);
        w.WriteNumber("diskTotal", m.DiskTotal);
        w.WriteNumber("diskUsed", m.DiskUsed);
        w.WriteNumber("diskFree", m.DiskFree);
        w.WriteNumber("networkRxBytes", m.NetworkRxBytes);
        w.WriteNumber("networkTxBytes", m.NetworkTxBytes);
        w.WriteNumber("uptime", m.Uptime);
        w.WriteEndObject();
    });

    public static byte[] ContainerEvent(
        string containerId,
        string? name,
        string? image,
        string action,
        IReadOnlyDictionary<string, string> attributes,
        string timestamp) => Write(w =>
    {
        w.WriteString("type", "container_event");
        w.WriteStartObject("event");
        w.WriteString("containerId", containerId);
        if (!string.IsNullOrEmpty(name))
        {
            w.WriteString("containerName", name);
        }

        if (!string.IsNullOrEmpty(image))
        {
            w.WriteString("image", image);
        }

        w.WriteString("action", action);
        if (attributes.Count > 0)
        {
            w.WriteStartObject("actorAttributes");
            foreach (var (key, value) in attributes)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }

        w.WriteString("timestamp", timestamp);
        w.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> fields, byte[]? body = null, bool isBinary = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (body?.Length * 2 ?? 0));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            fields(writer);
            if (body is not null)
            {
                if (isBinary)
                {
                    writer.WriteBase64String("body", body);
                    writer.WriteBoolean("isBinary", true);
                }
                else
                {
                    writer.WriteString("body", body);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
