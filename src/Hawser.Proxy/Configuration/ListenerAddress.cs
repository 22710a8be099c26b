using System.Net;

namespace Hawser.Proxy.Configuration;

/// <summary>Parses the bind address setting; <c>*</c> means every interface, IPv4 and IPv6.</summary>
internal static class ListenerAddress
{
    public static bool TryParse(string value, out IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(value);

        if (value == "*")
        {
            address = IPAddress.IPv6Any;
            return true;
        }

        return IPAddress.TryParse(value.Trim('[', ']'), out address);
    }

    /// <summary>An address as the host part of a URL: IPv6 in brackets.</summary>
    public static string UrlHost(string address)
    {
        ArgumentNullException.ThrowIfNull(address);

        return address.Contains(':', StringComparison.Ordinal) ? $"[{address.Trim('[', ']')}]" : address;
    }

    /// <summary>The address to bind when none is configured: everywhere with a token, loopback without.</summary>
    public static string Effective(HawserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        if (!string.IsNullOrEmpty(options.Listen.BindAddress))
        {
            return options.Listen.BindAddress;
        }

        // Edge mode serves only its health endpoint, on loopback unless asked: an edge host exposes no port.
        if (options.EffectiveMode == AgentMode.Edge)
        {
            return "127.0.0.1";
        }

        return string.IsNullOrEmpty(options.Token) && !options.Listen.DangerousAllowUnauthenticated ? "127.0.0.1" : "*";
    }
}
