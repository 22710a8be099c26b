using System.Text;
using System.Text.RegularExpressions;

namespace Hawser.Proxy.Proxy;

/// <summary>What the agent needs to know of a Docker API request target, from the request line alone.</summary>
internal static partial class DockerRoutes
{
    /// <summary>Docker (<c>/v1.41</c>) and Podman (<c>/v4.0.0</c>) API version prefixes.</summary>
    [GeneratedRegex(@"^/v[0-9]+(\.[0-9]+)*(?=/)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPrefix();

    [GeneratedRegex(@"^/(exec/[^/]+/start|containers/[^/]+/attach)$", RegexOptions.CultureInvariant)]
    private static partial Regex HijackPath();

    [GeneratedRegex(@"^/images/.+/(push|get)$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageStreamPath();

    [GeneratedRegex(
        @"^/containers/[^/]+/(logs|attach|attach/ws|wait|archive|stats|export|stop|restart)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex ContainerStreamPath();

    /// <summary>The path without its API version prefix, for classification only (never for forwarding).</summary>
    public static string Unversioned(string path)
    {
        ArgumentNullException.ThrowIfNull(path);

        var match = VersionPrefix().Match(path);
        return match.Success ? path[match.Length..] : path;
    }

    /// <summary><c>POST /exec/{id}/start</c> and <c>POST /containers/{id}/attach</c>: the calls Docker hijacks.</summary>
    public static bool IsHijackable(string method, string path) =>
        string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase) && HijackPath().IsMatch(Unversioned(path));

    /// <summary>
    /// Calls that may legitimately stay silent for long (streams, waits, long daemon work). They get no idle timeout:
    /// the caller's own deadline and its disconnect end them.
    /// </summary>
    public static bool IsLongLived(string method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);

        var p = Unversioned(path);
        return p.EndsWith("/events", StringComparison.Ordinal)
            || p.EndsWith("/prune", StringComparison.Ordinal)
            || ContainerStreamPath().IsMatch(p)
            || ImageStreamPath().IsMatch(p)
            || p.StartsWith("/exec/", StringComparison.Ordinal)
            || p is "/build" or "/images/create" or "/images/load" or "/images/get" or "/commit" or "/session"
                or "/grpc" or "/_hawser/compose";
    }

    /// <summary>True when the target is not origin-form or holds <c>.</c>/<c>..</c> segments (raw or encoded).</summary>
    public static bool IsSuspicious(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);

        if (!rawTarget.StartsWith('/'))
        {
            return true;
        }

        var path = rawTarget.Split('?', 2)[0].Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
        foreach (var segment in path.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The request target with every <c>token</c> query parameter (any case) removed, otherwise byte for byte.</summary>
    public static string WithoutToken(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);

        var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return rawTarget;
        }

        var builder = new StringBuilder(rawTarget.Length).Append(rawTarget, 0, q);
        var separator = '?';
        foreach (var pair in rawTarget[(q + 1)..].Split('&'))
        {
            var name = pair.Split('=', 2)[0];
            if (pair.Length == 0 || IsTokenName(name))
            {
                continue;
            }

            builder.Append(separator).Append(pair);
            separator = '&';
        }

        return builder.ToString();
    }

    // ASP.NET Core's query collection, which the HTTP pipeline authenticates with, matches names without regard to
    // case after decoding; stripping and the hijack path must match exactly the same names.
    private static bool IsTokenName(string encodedName) =>
        string.Equals(Uri.UnescapeDataString(encodedName.Replace('+', ' ')), "token", StringComparison.OrdinalIgnoreCase);

    /// <summary>The value of the first <c>token</c> query parameter (any case), or null.</summary>
    public static string? QueryToken(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);

        var q = rawTarget.IndexOf('?', StringComparison.Ordinal);
        if (q < 0)
        {
            return null;
        }

        foreach (var pair in rawTarget[(q + 1)..].Split('&'))
        {
            var parts = pair.Split('=', 2);
            if (parts.Length == 2 && IsTokenName(parts[0]))
            {
                return Uri.UnescapeDataString(parts[1].Replace('+', ' '));
            }
        }

        return null;
    }
}
