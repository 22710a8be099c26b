using Hawser.Proxy.Tests.Configuration;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Proxy;

/// <summary>Standard mode over real TLS, with the docker CLI verifying the agent's certificate.</summary>
[Collection(EngineCollection.Name)]
public sealed class TlsTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task DockerCli_OverVerifiedTls_RunsAndExecsThroughTheAgent()
    {
        var dir = Directory.CreateTempSubdirectory("hawser-tls-").FullName;
        var (cert, key) = HawserOptionsTests.WriteSelfSigned(dir);
        await using var session = await StartTlsAgentAsync(cert, key);
        var tls = $"--tlsverify --tlscacert {cert} -H tcp://localhost:{session.Agent.Port}";

        var run = await session.Cli.RunAsync($"{tls} run --rm local/busybox:1 echo over-tls");
        var exec = await session.Cli.RunAsync($"{tls} run --rm -i local/busybox:1 cat", stdin: "piped\n");
        Directory.Delete(dir, recursive: true);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("over-tls", run.Stdout.Trim());
        Assert.True(exec.ExitCode == 0, exec.Output);
        Assert.Equal("piped", exec.Stdout.Trim());
    }

    private Task<StandardAgent> StartTlsAgentAsync(string cert, string key) => StandardAgent.StartAsync(engine,
        new Dictionary<string, string?> { ["TLS_CERT"] = cert, ["TLS_KEY"] = key });
}
