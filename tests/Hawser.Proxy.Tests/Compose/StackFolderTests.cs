using Hawser.Proxy.Compose;

namespace Hawser.Proxy.Tests.Compose;

public sealed class StackFolderTests
{
    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../other/compose.yaml")]
    [InlineData("a/../../x")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    [InlineData("./x")]
    public void Write_PathOutsideTheFolder_IsRefusedAndNothingIsWritten(string path)
    {
        var root = Directory.CreateTempSubdirectory("hawser-stackfolder-").FullName;
        var stack = StackFolder.Open(root, "shop", out _)!;

        var refused = stack.Write(new Dictionary<string, string> { ["ok.txt"] = "fine", [path] = "bad" });
        var written = Directory.Exists(stack.Path);
        Directory.Delete(root, recursive: true);

        Assert.Equal(path, refused);
        Assert.False(written);
    }

    [Fact]
    public void Write_ThroughALinkInsideTheFolder_IsRefused()
    {
        var root = Directory.CreateTempSubdirectory("hawser-stackfolder-").FullName;
        var outside = Directory.CreateTempSubdirectory("hawser-outside-").FullName;
        var stack = StackFolder.Open(root, "shop", out _)!;
        Directory.CreateDirectory(stack.Path);
        Directory.CreateSymbolicLink(Path.Combine(stack.Path, "link"), outside);

        var refused = stack.Write(new Dictionary<string, string> { ["link/planted.txt"] = "bad" });
        var planted = File.Exists(Path.Combine(outside, "planted.txt"));
        Directory.Delete(root, recursive: true);
        Directory.Delete(outside, recursive: true);

        Assert.Equal("link/planted.txt", refused);
        Assert.False(planted);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("-rf")]
    public void Open_InvalidProjectName_IsRefused(string name)
    {
        var stack = StackFolder.Open("/tmp", name, out var error);

        Assert.Null(stack);
        Assert.Contains(name, error, StringComparison.Ordinal);
    }
}
