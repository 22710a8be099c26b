using System.Security.Cryptography;
using System.Text;
using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Proxy;

/// <summary>
/// Checks the presented token against the configured one in constant time. Both are hashed first so that neither
/// the content nor the length of the secret leaks through timing.
/// </summary>
internal sealed class TokenAuthenticator
{
    public const string HeaderName = "X-Hawser-Token";

    private readonly byte[]? _expectedHash;

    public TokenAuthenticator(IOptions<HawserOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var token = options.Value.Token;
        _expectedHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    public bool IsRequired => _expectedHash is not null;

    /// <summary>The header wins; the <c>token</c> query parameter is used only when the header is absent or empty.</summary>
    public bool IsAuthorized(string? headerToken, string? queryToken)
    {
        if (_expectedHash is null)
        {
            return true;
        }

        var presented = string.IsNullOrEmpty(headerToken) ? queryToken : headerToken;
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(presentedHash, _expectedHash);
    }
}
