using System.Text;
using System.Text.Json;

namespace Hawser.Proxy.Edge;

/// <summary>A <c>request</c> frame (spec 3.4 G), decoded as spec 3.5.1 says.</summary>
internal sealed record TunnelRequest(
    string RequestId,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    byte[]? Body,
    bool Streaming)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"];

    /// <summary>Decodes the frame, or returns the reason it cannot be served (answered with 400).</summary>
    public static TunnelRequest? TryParse(JsonElement frame, string requestId, out string? error)
    {
        error = null;
        var method = JsonFields.Text(frame, "method")?.ToUpperInvariant();
        var path = JsonFields.Text(frame, "path");
        if (method is null || !Methods.Contains(method))
        {
            error = "The request has no valid method.";
            return null;
        }

        if (string.IsNullOrEmpty(path) || !path.StartsWith('/'))
        {
            error = "The request path must start with /.";
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (frame.TryGetProperty("headers", out var h) && h.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in h.EnumerateObject())
            {
                if (header.Value.ValueKind == JsonValueKind.String)
                {
                    headers[header.Name] = header.Value.GetString()!;
                }
            }
        }

        var isBinary = JsonFields.Flag(frame, "isBinary");
        var streaming = JsonFields.Flag(frame, "streaming");
        byte[]? body = null;
        if (frame.TryGetProperty("body", out var bodyElement) && bodyElement.ValueKind != JsonValueKind.Null)
        {
            if (!TryDecodeBody(bodyElement, isBinary, out body))
            {
                error = "The request body is marked binary but is not valid base64.";
                return null;
            }

            // Docker refuses a JSON body whose Content-Type is missing (spec 3.5.1).
            if (!headers.ContainsKey("Content-Type") && bodyElement.ValueKind != JsonValueKind.String)
            {
                headers["Content-Type"] = "application/json";
            }
        }

        return new TunnelRequest(requestId, method, path, headers, body, streaming);
    }

    private static bool TryDecodeBody(JsonElement body, bool isBinary, out byte[]? bytes)
    {
        bytes = null;
        if (body.ValueKind == JsonValueKind.String)
        {
            if (!isBinary)
            {
                bytes = Encoding.UTF8.GetBytes(body.GetString()!);
                return true;
            }

            try
            {
                bytes = Convert.FromBase64String(body.GetString()!);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        // An object, array, number or boolean is the parsed JSON body: send its JSON text.
        bytes = Encoding.UTF8.GetBytes(body.GetRawText());
        return true;
    }
}
