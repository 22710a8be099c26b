using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;

namespace Hawser.Proxy.Tests.Configuration;

/// <summary>For each setting: its default, a valid value, and an invalid one with the message an operator sees.</summary>
public sealed class HawserOptionsTests
{
    [Fact]
    public void Defaults_NothingSet_MatchTheOriginalAgent()
    {
        var (options, errors, configuration) = OptionsHarness.Load(
            new Dictionary<string, string>(), null, "/var/run/docker.sock");

        Assert.Empty(errors);
        Assert.Equal(AgentMode.Standard, options!.EffectiveMode);
        Assert.Null(options.Token);
        Assert.Equal(2376, options.Listen.Port);
        Assert.Equal("127.0.0.1", ListenerAddress.Effective(options));
        Assert.Null(options.Listen.TlsCertPath);
        Assert.Null(options.Docker.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Proxy.RequestTimeout);
        Assert.Null(options.Proxy.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Edge.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Edge.ReconnectDelay);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Edge.MaxReconnectDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Edge.WelcomeTimeout);
        Assert.Equal(256L * 1024 * 1024, options.Edge.MaxMessageBytes);
        Assert.False(options.Edge.DangerousSkipTlsVerify);
        Assert.Equal("/data/stacks", options.Compose.StacksDir);
        Assert.Equal(TimeSpan.FromSeconds(900), options.Compose.Timeout);
        Assert.Null(options.Listen.TrustedProxies);
        Assert.Equal(TimeSpan.FromSeconds(8), options.Listen.DrainTimeout);
        Assert.Equal("Information", configuration["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void Token_Set_BindsEveryInterfaceByDefault()
    {
        var (options, errors, _) = OptionsHarness.Load(OptionsHarness.Valid(), null, "/run/test.sock");

        Assert.Empty(errors);
        Assert.Equal("secret", options!.Token);
        Assert.Equal("*", ListenerAddress.Effective(options));
    }

    [Theory]
    [InlineData("PORT", "1", "Listen:Port", "1")]
    [InlineData("PORT", "65535", "Listen:Port", "65535")]
    [InlineData("REQUEST_TIMEOUT", "1", "Proxy:RequestTimeout", "00:00:01")]
    [InlineData("REQUEST_TIMEOUT", "86400", "Proxy:RequestTimeout", "1.00:00:00")]
    [InlineData("HEARTBEAT_INTERVAL", "5", "Edge:HeartbeatInterval", "00:00:05")]
    [InlineData("RECONNECT_DELAY", "2", "Edge:ReconnectDelay", "00:00:02")]
    [InlineData("MAX_RECONNECT_DELAY", "120", "Edge:MaxReconnectDelay", "00:02:00")]
    [InlineData("WELCOME_TIMEOUT", "10", "Edge:WelcomeTimeout", "00:00:10")]
    [InlineData("COMPOSE_TIMEOUT", "60", "Compose:Timeout", "00:01:00")]
    [InlineData("MAX_MESSAGE_SIZE_MB", "1", "Edge:MaxMessageBytes", "1048576")]
    [InlineData("MAX_REQUEST_BODY_BYTES", "1", "Proxy:MaxRequestBodyBytes", "1")]
    [InlineData("TLS_SKIP_VERIFY", "yes", "Edge:DangerousSkipTlsVerify", "true")]
    [InlineData("TLS_SKIP_VERIFY", "OFF", "Edge:DangerousSkipTlsVerify", "false")]
    [InlineData("BIND_ADDRESS", "::1", "Listen:BindAddress", "::1")]
    [InlineData("BIND_ADDRESS", "0.0.0.0", "Listen:BindAddress", "0.0.0.0")]
    [InlineData("AGENT_ID", "agent-7", "AgentId", "agent-7")]
    [InlineData("AGENT_NAME", "nas", "AgentName", "nas")]
    [InlineData("STACKS_DIR", "/srv/stacks", "Compose:StacksDir", "/srv/stacks")]
    [InlineData("DOCKER_HOST", "tcp://127.0.0.1:2375", "Docker:Endpoint", "tcp://127.0.0.1:2375")]
    [InlineData("DANGEROUS_ALLOW_NO_TOKEN", "true", "Listen:DangerousAllowUnauthenticated", "true")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/16,::1", "Listen:TrustedProxies", "10.0.0.5, 192.168.0.0/16,::1")]
    [InlineData("DRAIN_TIMEOUT", "0", "Listen:DrainTimeout", "00:00:00")]
    [InlineData("DRAIN_TIMEOUT", "3600", "Listen:DrainTimeout", "01:00:00")]
    public void LegacyVariable_ValidValue_IsAccepted(string variable, string value, string key, string bound)
    {
        var environment = OptionsHarness.Valid((variable, value));
        if (variable == "DOCKER_HOST")
        {
            environment.Remove("DOCKER_SOCKET");
        }

        var (_, errors, configuration) = OptionsHarness.Load(environment, null, "/run/test.sock");

        Assert.Empty(errors);
        Assert.Equal(bound, configuration["Hawser:" + key]);
    }

    [Theory]
    [InlineData("PORT", "0", "Hawser:Listen:Port (PORT) must be from 1 to 65535 (got 0).")]
    [InlineData("PORT", "65536", "Hawser:Listen:Port (PORT) must be from 1 to 65535 (got 65536).")]
    [InlineData("PORT", "http", "PORT must be a whole number (got 'http').")]
    [InlineData("REQUEST_TIMEOUT", "0", "Hawser:Proxy:RequestTimeout (REQUEST_TIMEOUT) must be from 1 s to 86400 s (got 0 s).")]
    [InlineData("REQUEST_TIMEOUT", "30s", "REQUEST_TIMEOUT must be a whole number of seconds (got '30s').")]
    [InlineData("HEARTBEAT_INTERVAL", "0", "Hawser:Edge:HeartbeatInterval (HEARTBEAT_INTERVAL) must be from 1 s to 3600 s (got 0 s).")]
    [InlineData("RECONNECT_DELAY", "-1", "RECONNECT_DELAY must be a whole number of seconds (got '-1').")]
    [InlineData("MAX_RECONNECT_DELAY", "90000", "Hawser:Edge:MaxReconnectDelay (MAX_RECONNECT_DELAY) must be from 100 ms to 86400 s (got 90000 s).")]
    [InlineData("WELCOME_TIMEOUT", "601", "Hawser:Edge:WelcomeTimeout (WELCOME_TIMEOUT) must be from 1 s to 600 s (got 601 s).")]
    [InlineData("COMPOSE_TIMEOUT", "0", "Hawser:Compose:Timeout (COMPOSE_TIMEOUT) must be from 1 s to 86400 s (got 0 s).")]
    [InlineData("MAX_MESSAGE_SIZE_MB", "0", "Hawser:Edge:MaxMessageBytes (MAX_MESSAGE_SIZE_MB) must be from 1 MiB to 2 GiB (got 0 bytes).")]
    [InlineData("MAX_REQUEST_BODY_BYTES", "0", "Hawser:Proxy:MaxRequestBodyBytes (MAX_REQUEST_BODY_BYTES) must be at least 1, or unset for no limit (got 0).")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.5,lb.internal", "Hawser:Listen:TrustedProxies (TRUSTED_PROXIES) must list IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5,192.168.0.0/16 (got 'lb.internal').")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.5,192.168.0.0/33,foo", "Hawser:Listen:TrustedProxies (TRUSTED_PROXIES) must list IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5,192.168.0.0/16 (got '192.168.0.0/33', 'foo').")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.0/33", "Hawser:Listen:TrustedProxies (TRUSTED_PROXIES) must list IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5,192.168.0.0/16 (got '10.0.0.0/33').")]
    [InlineData("DRAIN_TIMEOUT", "3601", "Hawser:Listen:DrainTimeout (DRAIN_TIMEOUT) must be from 0 s to 3600 s (got 3601 s).")]
    [InlineData("TLS_SKIP_VERIFY", "maybe", "TLS_SKIP_VERIFY must be one of true, false, 1, 0, yes, no, on, off (got 'maybe').")]
    [InlineData("LOG_LEVEL", "loud", "LOG_LEVEL must be one of trace, debug, info, warn, error (got 'loud').")]
    [InlineData("BIND_ADDRESS", "my-host", "Hawser:Listen:BindAddress (BIND_ADDRESS) must be *, 0.0.0.0, :: or an IP address (got 'my-host').")]
    [InlineData("DOCKER_HOST", "ssh://me@host", "Hawser:Docker:Endpoint (DOCKER_HOST / DOCKER_SOCKET) 'ssh://me@host' is not usable: only unix://, tcp:// and npipe:// endpoints are supported (TLS to the daemon is not).")]
    [InlineData("DOCKER_HOST", "tcp://docker", "Hawser:Docker:Endpoint (DOCKER_HOST / DOCKER_SOCKET) 'tcp://docker' is not usable: a TCP endpoint must be tcp://host:port with nothing after the port.")]
    [InlineData("CA_CERT", "/nonexistent/ca.pem", "Hawser:Edge:CaCertPath (CA_CERT) names a file that does not exist: '/nonexistent/ca.pem'.")]
    [InlineData("TLS_CERT", "/nonexistent/cert.pem", "Hawser:Listen:TlsCertPath (TLS_CERT) and Hawser:Listen:TlsKeyPath (TLS_KEY) must be set together; set both for TLS or neither for plain HTTP.")]
    public void LegacyVariable_InvalidValue_FailsWithItsMessage(string variable, string value, string message)
    {
        var environment = OptionsHarness.Valid((variable, value));
        if (EdgeOnly.Contains(variable))
        {
            environment["DOCKHAND_SERVER_URL"] = "wss://dockhand.test/api/hawser/connect";
        }

        if (variable == "DOCKER_HOST")
        {
            environment.Remove("DOCKER_SOCKET");
        }

        var (_, errors, _) = OptionsHarness.Load(environment, null, "/run/test.sock");

        Assert.Equal([message], errors);
    }

    private static readonly string[] EdgeOnly =
    [
        "HEARTBEAT_INTERVAL", "RECONNECT_DELAY", "MAX_RECONNECT_DELAY", "WELCOME_TIMEOUT", "MAX_MESSAGE_SIZE_MB",
        "CA_CERT",
    ];

    [Theory]
    [InlineData("HEARTBEAT_INTERVAL", "0")]
    [InlineData("CA_CERT", "/nonexistent/ca.pem")]
    public void EdgeSetting_InvalidInStandardMode_DoesNotStopTheAgent(string variable, string value)
    {
        var (_, errors, _) = OptionsHarness.Load(OptionsHarness.Valid((variable, value)), null, "/run/test.sock");

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("debug", "Debug")]
    [InlineData("WARN", "Warning")]
    [InlineData("error", "Error")]
    public void LogLevel_OriginalNames_MapToLoggingLevels(string value, string level)
    {
        var (_, errors, configuration) = OptionsHarness.Load(OptionsHarness.Valid(("LOG_LEVEL", value)), null,
            "/run/test.sock");

        Assert.Empty(errors);
        Assert.Equal(level, configuration["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void Validation_SeveralProblems_ReportsEveryOneAtOnce()
    {
        var environment = OptionsHarness.Valid(("PORT", "0"), ("REQUEST_TIMEOUT", "soon"), ("BIND_ADDRESS", "x"));

        var (_, errors, _) = OptionsHarness.Load(environment, null, "/run/test.sock");

        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void NoToken_NonLoopbackBind_RefusesWithTheWayOut()
    {
        var environment = new Dictionary<string, string> { ["BIND_ADDRESS"] = "0.0.0.0", ["DOCKER_SOCKET"] = "/s" };

        var (_, errors, _) = OptionsHarness.Load(environment, null, "/s");

        Assert.Equal(["No TOKEN is set, so the agent refuses to listen on 0.0.0.0: anyone reaching it would control "
            + "Docker. Set TOKEN, bind to 127.0.0.1, or set DANGEROUS_ALLOW_NO_TOKEN=true."], errors);
    }

    [Fact]
    public void NoToken_NonLoopbackBindWithDangerousOptIn_Starts()
    {
        var environment = new Dictionary<string, string>
        {
            ["BIND_ADDRESS"] = "0.0.0.0",
            ["DOCKER_SOCKET"] = "/s",
            ["DANGEROUS_ALLOW_NO_TOKEN"] = "1",
        };

        var (options, errors, _) = OptionsHarness.Load(environment, null, "/s");

        Assert.Empty(errors);
        Assert.True(options!.Listen.DangerousAllowUnauthenticated);
    }

    [Fact]
    public void DockerSocket_NothingSetAndNoneFound_SaysWhereItLookedAndWhatToSet()
    {
        var (_, errors, _) = OptionsHarness.Load(new Dictionary<string, string> { ["TOKEN"] = "t" });

        var error = Assert.Single(errors);
        Assert.StartsWith("No Docker socket found (looked in /var/run/docker.sock, /home/test/.docker/run/docker.sock",
            error, StringComparison.Ordinal);
        Assert.EndsWith("set DOCKER_SOCKET to the socket path or DOCKER_HOST to unix:///path or tcp://host:port.", error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void DockerSocket_NothingSet_FindsTheFirstUsualLocation()
    {
        var (options, errors, _) = OptionsHarness.Load(new Dictionary<string, string> { ["TOKEN"] = "t" }, null,
            "/home/test/.orbstack/run/docker.sock", "/run/docker.sock");
        var resolver = new DockerEndpointResolver("/home/test", null,
            p => p is "/home/test/.orbstack/run/docker.sock" or "/run/docker.sock");

        Assert.Empty(errors);
        Assert.Equal("unix:///home/test/.orbstack/run/docker.sock", resolver.Resolve(options!.Docker).ToString());
    }

    [Fact]
    public void DockerSocket_SetWithDockerHost_SocketWinsAsInTheOriginal()
    {
        var environment = OptionsHarness.Valid(("DOCKER_HOST", "tcp://127.0.0.1:2375"));

        var (options, _, _) = OptionsHarness.Load(environment, null, "/run/test.sock");

        Assert.Equal("unix:///run/test.sock", options!.Docker.Endpoint);
    }

    [Fact]
    public void ServerUrl_WithToken_SelectsEdgeMode()
    {
        var environment = OptionsHarness.Valid(("DOCKHAND_SERVER_URL", "wss://dockhand.example/api/hawser/connect"));

        var (options, errors, _) = OptionsHarness.Load(environment, null, "/run/test.sock");

        Assert.Empty(errors);
        Assert.Equal(AgentMode.Edge, options!.EffectiveMode);
    }

    [Fact]
    public void ServerUrl_WrongSchemeAndNoToken_ReportsBothWithoutTheQuery()
    {
        var environment = new Dictionary<string, string>
        {
            ["DOCKHAND_SERVER_URL"] = "http://dockhand:3000/api/hawser/connect?secret=1",
            ["DOCKER_SOCKET"] = "/s",
        };

        var (_, errors, _) = OptionsHarness.Load(environment, null, "/s");

        Assert.Equal(
        [
            "Hawser:Edge:ServerUrl (DOCKHAND_SERVER_URL) must start with ws:// or wss:// (got 'http://dockhand/api/hawser/connect').",
            "Hawser:Token (TOKEN) is not set; edge mode needs the token shown by Dockhand for this environment.",
        ], errors);
    }

    [Fact]
    public void Tls_ValidPemPair_Loads()
    {
        var dir = Directory.CreateTempSubdirectory("hawser-tls-").FullName;
        var (cert, key) = WriteSelfSigned(dir);

        var (options, errors, _) = OptionsHarness.Load(
            OptionsHarness.Valid(("TLS_CERT", cert), ("TLS_KEY", key)), null, "/run/test.sock");
        Directory.Delete(dir, recursive: true);

        Assert.Empty(errors);
        Assert.Equal(cert, options!.Listen.TlsCertPath);
    }

    [Fact]
    public void Tls_KeyOfAnotherCertificate_FailsWithAClearMessage()
    {
        var dir = Directory.CreateTempSubdirectory("hawser-tls-").FullName;
        var (cert, _) = WriteSelfSigned(dir);
        var otherKey = Path.Combine(dir, "other.key");
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(otherKey, rsa.ExportPkcs8PrivateKeyPem());
        }

        var (_, errors, _) = OptionsHarness.Load(
            OptionsHarness.Valid(("TLS_CERT", cert), ("TLS_KEY", otherKey)), null, "/run/test.sock");
        Directory.Delete(dir, recursive: true);

        var error = Assert.Single(errors);
        Assert.StartsWith("TLS_CERT/TLS_KEY cannot be used: the PEM certificate or key does not load", error,
            StringComparison.Ordinal);
    }

    internal static (string Cert, string Key) WriteSelfSigned(string dir)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certPath = Path.Combine(dir, "cert.pem");
        var keyPath = Path.Combine(dir, "key.pem");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
