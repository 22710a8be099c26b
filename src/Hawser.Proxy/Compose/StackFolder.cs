using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Hawser.Proxy.Compose;

/// <summary>
/// One stack's folder under <c>STACKS_DIR</c>: every path is checked before anything is written, so a path that
/// would leave the folder (<c>..</c>, an absolute path, a link) refuses the whole operation with nothing written.
/// </summary>
internal sealed partial class StackFolder
{
    public static readonly string[] ComposeNames = ["docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"];

    private StackFolder(string path) => Path = path;

    public string Path { get; }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectName();

    public static StackFolder? Open(string stacksDir, string projectName, out string? error)
    {
        error = ProjectName().IsMatch(projectName) && projectName is not ("." or "..")
            ? null
            : $"projectName '{projectName}' is not a valid compose project name.";
        return error is null ? new StackFolder(System.IO.Path.GetFullPath(System.IO.Path.Combine(stacksDir, projectName))) : null;
    }

    /// <summary>The absolute path of <paramref name="relative"/>, or null when it would leave the folder.</summary>
    public string? Resolve(string relative)
    {
        if (string.IsNullOrEmpty(relative) || System.IO.Path.IsPathRooted(relative) || relative.Contains('\\')
            || relative.Split('/').Any(s => s is ".." or "." or ""))
        {
            return null;
        }

        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relative));
        if (!full.StartsWith(Path + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return null;
        }

        // No existing link on the way: a link would take the write outside the folder.
        for (var dir = new FileInfo(full); dir.FullName.Length > Path.Length; dir = new FileInfo(System.IO.Path.GetDirectoryName(dir.FullName)!))
        {
            if (dir.Exists && dir.LinkTarget is not null || Directory.Exists(dir.FullName) && new DirectoryInfo(dir.FullName).LinkTarget is not null)
            {
                return null;
            }
        }

        return full;
    }

    /// <summary>Checks every path first, then writes them all; returns the first bad path, or null.</summary>
    public string? Write(IReadOnlyDictionary<string, string> files)
    {
        var resolved = new List<(string Full, byte[] Bytes)>();
        foreach (var (relative, content) in files)
        {
            var full = Resolve(relative);
            if (full is null)
            {
                return relative;
            }

            byte[] bytes;
            try
            {
                bytes = content.StartsWith("base64:", StringComparison.Ordinal)
                    ? Convert.FromBase64String(content["base64:".Length..])
                    : Encoding.UTF8.GetBytes(content);
            }
            catch (FormatException)
            {
                return relative;
            }

            resolved.Add((full, bytes));
        }

        Directory.CreateDirectory(Path);
        foreach (var (full, bytes) in resolved)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        return null;
    }

    /// <summary>
    /// Deletes the listed files whose bytes still match what Dockhand wrote (spec 5.4 step 5 and 9); every path
    /// ends up in exactly one of the two lists.
    /// </summary>
    public (List<string> Deleted, List<SkippedFile> Skipped) Delete(
        IReadOnlyList<(string Path, string Sha256)> files,
        bool protectLoadBearing)
    {
        var deleted = new List<string>();
        var skipped = new List<SkippedFile>();
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (relative, sha256) in files)
        {
            var full = Resolve(relative);
            var name = System.IO.Path.GetFileName(relative);
            var reason = full is null ? "invalid-path"
                : protectLoadBearing && (ComposeNames.Contains(name) || name == ".env") ? "load-bearing"
                : !File.Exists(full) && !Directory.Exists(full) ? "already-absent"
                : Directory.Exists(full) || new FileInfo(full).LinkTarget is not null ? "locally-modified"
                : !string.Equals(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(full))), sha256,
                    StringComparison.OrdinalIgnoreCase) ? "locally-modified"
                : null;
            if (reason is not null)
            {
                skipped.Add(new SkippedFile(relative, reason));
                continue;
            }

            try
            {
                File.Delete(full!);
                deleted.Add(relative);
                parents.Add(System.IO.Path.GetDirectoryName(full!)!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(relative, "apply-failed"));
            }
        }

        foreach (var dir in parents.OrderByDescending(p => p.Length))
        {
            for (var d = dir; d.Length > Path.Length && Directory.Exists(d) && !Directory.EnumerateFileSystemEntries(d).Any();
                d = System.IO.Path.GetDirectoryName(d)!)
            {
                Directory.Delete(d);
            }
        }

        return (deleted, skipped);
    }

    public void RemoveIfEmpty()
    {
        if (Directory.Exists(Path) && !Directory.EnumerateFileSystemEntries(Path).Any())
        {
            Directory.Delete(Path);
        }
    }
}
