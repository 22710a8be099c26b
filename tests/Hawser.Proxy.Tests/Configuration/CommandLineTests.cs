using Hawser.Proxy.Configuration;

namespace Hawser.Proxy.Tests.Configuration;

public sealed class CommandLineTests
{
    [Fact]
    public void DockhandHint_StandardWithPort_ForcesStandardModeOnThatPort()
    {
        var (options, errors, _) = OptionsHarness.Load(OptionsHarness.Valid(), ["standard", "--port", "9000"],
            "/run/test.sock");

        Assert.Empty(errors);
        Assert.Equal(AgentMode.Standard, options!.EffectiveMode);
        Assert.Equal(9000, options.Listen.Port);
    }

    [Fact]
    public void Flags_OverrideTheEnvironment()
    {
        var (options, _, _) = OptionsHarness.Load(OptionsHarness.Valid(("PORT", "1234")),
            ["--port=2375", "--token", "from-flag"], "/run/test.sock");

        Assert.Equal(2375, options!.Listen.Port);
        Assert.Equal("from-flag", options.Token);
    }

    [Fact]
    public void GoStyleSingleDash_IsAccepted()
    {
        var parsed = CommandLine.Parse(["-port", "2377"]);

        Assert.Null(parsed.Error);
        Assert.Equal("2377", parsed.Settings["Hawser:Listen:Port"]);
    }

    [Theory]
    [InlineData("--port", "abc", "--port must be a whole number from 1 to 65535 (got 'abc')")]
    [InlineData("--port", "0", "--port must be a whole number from 1 to 65535 (got '0')")]
    [InlineData("--colour", "red", "unknown argument '--colour'")]
    public void BadArguments_AreRefusedWithTheReason(string flag, string value, string error)
    {
        var parsed = CommandLine.Parse([flag, value]);

        Assert.Equal(error, parsed.Error);
    }

    [Fact]
    public void FlagWithoutValue_IsRefused()
    {
        var parsed = CommandLine.Parse(["--server"]);

        Assert.Equal("--server needs a value", parsed.Error);
    }

    [Theory]
    [InlineData("--help", "Help")]
    [InlineData("-h", "Help")]
    [InlineData("--version", "Version")]
    [InlineData("edge", "Run")]
    public void Words_SelectTheAction(string arg, string action)
    {
        var parsed = CommandLine.Parse([arg]);

        Assert.Null(parsed.Error);
        Assert.Equal(action, parsed.Command.ToString());
    }
}
