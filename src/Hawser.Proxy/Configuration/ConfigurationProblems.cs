namespace Hawser.Proxy.Configuration;

/// <summary>
/// Problems found before binding (a legacy variable that does not parse), reported by
/// <see cref="HawserOptionsValidator"/> together with every other problem.
/// </summary>
internal sealed class ConfigurationProblems
{
    public ConfigurationProblems(IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        Items = [.. problems];
    }

    public IReadOnlyList<string> Items { get; }
}
