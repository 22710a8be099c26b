using System.Text;
using System.Text.Json;

namespace Hawser.Proxy.Tests.Infrastructure;

/// <summary>Calls straight to a daemon's socket, bypassing the agent, to set up what a test observes.</summary>
internal static class DirectDocker
{
    /// <summary>Creates a busybox container running <paramref name="cmd"/>, not started; returns its id.</summary>
    public static async Task<string> CreateAsync(HttpClient daemon, params string[] cmd)
    {
        using var created = await daemon.PostAsync("/containers/create", new StringContent(
            JsonSerializer.Serialize(new { Image = "local/busybox:1", Cmd = cmd }), Encoding.UTF8, "application/json"));
        created.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("Id").GetString()!;
    }

    /// <summary>Creates and starts a busybox container running <paramref name="cmd"/>; returns its id.</summary>
    public static async Task<string> RunAsync(HttpClient daemon, params string[] cmd)
    {
        var id = await CreateAsync(daemon, cmd);
        using var started = await daemon.PostAsync($"/containers/{id}/start", null);
        started.EnsureSuccessStatusCode();
        return id;
    }

    public static async Task RemoveAsync(HttpClient daemon, string id)
    {
        using var _ = await daemon.DeleteAsync($"/containers/{id}?force=true");
    }
}
