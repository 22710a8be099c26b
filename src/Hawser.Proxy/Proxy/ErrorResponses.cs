using System.Text.Json;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Errors the agent itself answers, as <c>{"message": "..."}</c>: the shape Dockhand reads from Docker's own errors.
/// The text is fixed per cause; no exception text, socket path or internal address reaches the client.
/// </summary>
internal static class ErrorResponses
{
    public static Task WriteAsync(HttpContext context, int statusCode, string message)
    {
        ArgumentNullException.ThrowIfNull(context);

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Json(message), context.RequestAborted);
    }

    public static string Json(string message) => JsonSerializer.Serialize(
        new Dictionary<string, string> { ["message"] = message }, HawserJson.Default.DictionaryStringString);
}
