using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Proxy;

/// <summary>Dockhand-shaped raw exec upgrades against the real engine.</summary>
[Collection(EngineCollection.Name)]
public sealed class HijackTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task ExecUpgrade_StdinSentAndEndedBeforeDockerAnswers_StillRunsToTheEnd()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var name = await session.Cli.StartSleeperAsync();
        var execId = await TokenTests.CreateExecAsync(session, name, "cat");

        var reply = await TokenTests.RawExecStartAsync(session.Agent.Port, execId, session.Token,
            stdinThenHalfClose: "early-input\n", tty: false);
        await session.Cli.RemoveAsync(name);

        Assert.StartsWith("HTTP/1.1 101", reply, StringComparison.Ordinal);
        Assert.Contains("early-input", reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-A: b\nX-Injected: yes\r\n")]
    [InlineData("X-A : spaced\r\n")]
    [InlineData("X-A: nul\0byte\r\n")]
    public async Task ExecUpgrade_MalformedHeader_IsRefusedWith400(string header)
    {
        await using var session = await StandardAgent.StartAsync(engine);

        var reply = await TokenTests.RawExecStartAsync(session.Agent.Port, "any", session.Token, extraHeaders: header);

        Assert.StartsWith("HTTP/1.1 400", reply, StringComparison.Ordinal);
    }
}
