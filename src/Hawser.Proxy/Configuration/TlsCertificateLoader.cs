using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hawser.Proxy.Configuration;

/// <summary>Loads the listener's PEM certificate and key.</summary>
internal static class TlsCertificateLoader
{
    /// <summary>Returns null and the certificate, or a short reason it cannot be used.</summary>
    public static string? TryLoad(string certPath, string keyPath, out X509Certificate2? certificate)
    {
        certificate = null;
        if (!File.Exists(certPath))
        {
            return $"the certificate file '{certPath}' does not exist.";
        }

        if (!File.Exists(keyPath))
        {
            return $"the key file '{keyPath}' does not exist.";
        }

        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            return null;
        }
        catch (CryptographicException ex)
        {
            return $"the PEM certificate or key does not load ({ex.Message}); both must be PEM and belong together.";
        }
        catch (UnauthorizedAccessException)
        {
            return "the certificate or key file is not readable by the agent's user.";
        }
    }
}
