using Hawser.Proxy.Configuration;

namespace Hawser.Proxy.Health;

/// <summary>
/// <c>hawser healthcheck</c>: asks the agent running on this host's PORT for <c>/_hawser/health</c>, over HTTPS when
/// TLS is configured, on loopback or on the one address the agent is bound to. Minimal images have no curl or wget,
/// so the image's HEALTHCHECK runs the agent itself.
/// </summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        HawserOptions options;
        try
        {
            options = configuration.GetSection(HawserOptions.SectionName).Get<HawserOptions>() ?? new HawserOptions();
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync("hawser healthcheck: configuration error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        var tls = !string.IsNullOrEmpty(options.Listen.TlsCertPath);
        using var handler = new HttpClientHandler();
        if (tls)
        {
            // A loopback probe of this host's own listener: the certificate names the public host, not 127.0.0.1.
#pragma warning disable CA5359, CA5400 // Only ever connects to this host's own listener.
            handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359, CA5400
        }

        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var url = new Uri($"{(tls ? "https" : "http")}://{ProbeHost(options)}:{options.Listen.Port}/_hawser/health");
        try
        {
            using var response = await client.GetAsync(url).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"hawser healthcheck: {(int)response.StatusCode}").ConfigureAwait(false);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Out.WriteLineAsync("hawser healthcheck: no answer on " + url).ConfigureAwait(false);
            return 1;
        }
    }

    // Loopback when the agent listens on every interface; else the one address it is bound to.
    private static string ProbeHost(HawserOptions options)
    {
        if (!ListenerAddress.TryParse(ListenerAddress.Effective(options), out var address)
            || address!.Equals(System.Net.IPAddress.IPv6Any) || address.Equals(System.Net.IPAddress.Any))
        {
            return "127.0.0.1";
        }

        return ListenerAddress.UrlHost(address.ToString());
    }
}
