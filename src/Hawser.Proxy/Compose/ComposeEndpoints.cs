using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Hawser.Proxy.Compose;

internal static class ComposeEndpoints
{
    /// <summary>Compose payloads carry whole git stacks: up to 256 MiB of files before JSON escaping (spec 3.5.6).</summary>
    private const long MaxBodyBytes = 512L * 1024 * 1024;

    public static IServiceCollection AddCompose(this IServiceCollection services) =>
        services.AddSingleton<ComposeRunner>();

    /// <summary><c>/_hawser/compose</c> in standard mode; the body is always the JSON result (spec 5.5).</summary>
    public static WebApplication MapCompose(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.Map("/_hawser/compose", async (HttpContext context, ComposeRunner runner) =>
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                return Reply(ComposeResult.Refused("Method not allowed"), StatusCodes.Status405MethodNotAllowed);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = MaxBodyBytes;
            }

            ComposeOperation op;
            try
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body,
                    cancellationToken: context.RequestAborted).ConfigureAwait(false);
                op = ComposeOperation.Parse(body.RootElement);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or BadHttpRequestException)
            {
                return Reply(ComposeResult.Refused("Invalid request body: " + ex.Message), StatusCodes.Status400BadRequest);
            }

            var result = await runner.ExecuteAsync(op, context.RequestAborted).ConfigureAwait(false);
            return Reply(result, StatusOf(result));
        });
        return app;
    }

    public static int StatusOf(ComposeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);

        return result.IsBadRequest ? StatusCodes.Status400BadRequest
            : result.Success ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
    }

    private static IResult Reply(ComposeResult result, int status) =>
        Results.Text(System.Text.Encoding.UTF8.GetString(result.ToJson()), "application/json", statusCode: status);
}
