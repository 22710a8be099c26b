using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Deploy;

/// <summary>deploy/install.sh into a throwaway root, and the systemd unit it installs.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstallTests
{
    [Fact]
    public async Task InstallScript_IntoAThrowawayRoot_InstallsUserBinariesSettingsAndUnit()
    {
        var root = Directory.CreateTempSubdirectory("hawser-root-").FullName;

        var result = await InstallAsync(root, "edge");
        var passwd = await File.ReadAllTextAsync(Path.Combine(root, "etc/passwd"));
        var group = await File.ReadAllTextAsync(Path.Combine(root, "etc/group"));
        var config = Path.Combine(root, "etc/hawser/config");
        var configText = await File.ReadAllTextAsync(config);
        var launcher = File.GetUnixFileMode(Path.Combine(root, "opt/hawser/hawser"));
        var configMode = File.GetUnixFileMode(config);
        var dll = File.Exists(Path.Combine(root, "opt/hawser/hawser.dll"));
        var unit = File.Exists(Path.Combine(root, "etc/systemd/system/hawser.service"));
        Directory.Delete(root, recursive: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("\nhawser:", "\n" + passwd, StringComparison.Ordinal);
        Assert.Matches("(?m)^docker:[^:]*:[0-9]+:.*hawser", group);
        Assert.True(dll);
        Assert.True(unit);
        Assert.True(launcher.HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, configMode);
        Assert.Contains("DOCKHAND_SERVER_URL=", configText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemdUnit_AsInstalled_PassesSystemdAnalyzeVerify()
    {
        var root = Directory.CreateTempSubdirectory("hawser-root-").FullName;
        var install = await InstallAsync(root, "standard");
        var unit = Path.Combine(root, "hawser.service");

        // Only ExecStart moves into the throwaway root, where the launcher really is; every other line is the unit's.
        var text = (await File.ReadAllTextAsync(Path.Combine(root, "etc/systemd/system/hawser.service")))
            .Replace("ExecStart=/opt/hawser/hawser", $"ExecStart={root}/opt/hawser/hawser", StringComparison.Ordinal);
        await File.WriteAllTextAsync(unit, text);
        var verify = await ProcessRunner.RunAsync("systemd-analyze", ["verify", unit]);
        Directory.Delete(root, recursive: true);

        Assert.True(install.ExitCode == 0, install.Output);
        Assert.True(verify.ExitCode == 0, verify.Output);
        Assert.DoesNotContain("hawser.service:", verify.Output, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> InstallAsync(string root, string mode) =>
        ProcessRunner.RunAsync("bash",
            [Path.Combine(RepositoryPaths.Root, "deploy/install.sh"), "--root", root, "--bin", AppContext.BaseDirectory,
                "--mode", mode],
            timeout: TimeSpan.FromMinutes(2));
}
