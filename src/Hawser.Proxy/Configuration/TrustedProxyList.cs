using System.Net;

namespace Hawser.Proxy.Configuration;

/// <summary>Parses <see cref="ListenerOptions.TrustedProxies"/>: addresses and CIDR ranges, comma-separated.</summary>
internal static class TrustedProxyList
{
    /// <summary>
    /// False with every entry that is neither an address nor a range, as <c>a', 'b</c> for quoting; an empty text is
    /// an empty list.
    /// </summary>
    public static bool TryParse(string? text, out IReadOnlyList<IPNetwork> networks, out string? invalidEntries)
    {
        var parsed = new List<IPNetwork>();
        var invalid = new List<string>();
        networks = parsed;
        foreach (var entry in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                parsed.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                parsed.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                invalid.Add(entry);
            }
        }

        invalidEntries = invalid.Count == 0 ? null : string.Join("', '", invalid);
        return invalid.Count == 0;
    }
}
