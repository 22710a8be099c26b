using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Hawser.Proxy.Edge;

/// <summary>Certificate checks for <c>wss://</c>: the system store, or only the CA bundle of <c>CA_CERT</c>.</summary>
internal static class EdgeTls
{
    /// <summary>A validation callback trusting only the PEM bundle at <paramref name="caPath"/>, read at each connect.</summary>
    public static RemoteCertificateValidationCallback TrustOnly(string caPath)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPath);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
    }
}
