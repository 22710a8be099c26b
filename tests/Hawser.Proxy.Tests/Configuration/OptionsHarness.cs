using System.Collections;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Tests.Configuration;

/// <summary>
/// Binds and validates the options exactly as the agent does at start, from a given environment and command line,
/// with the shipped appsettings.json underneath. Docker socket detection sees only the paths listed as existing.
/// </summary>
internal static class OptionsHarness
{
    public static (HawserOptions? Options, IReadOnlyList<string> Errors, IConfiguration Configuration) Load(
        IDictionary<string, string>? environment = null,
        string[]? args = null,
        params string[] existingPaths)
    {
        var commandLine = CommandLine.Parse(args ?? []);
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: false);
        var services = new ServiceCollection();
        var early = services.AddHawserConfiguration(builder,
            new Hashtable((IDictionary)(environment ?? new Dictionary<string, string>())), commandLine);
        var configuration = builder.Build();
        var resolver = new DockerEndpointResolver("/home/test", null, existingPaths.Contains);
        var errors = early.Errors(configuration, resolver);
        if (errors.Count > 0)
        {
            return (null, errors, configuration);
        }

        // The same options through the host's path: bound once, validated on start.
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton(resolver);
        using var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IOptions<HawserOptions>>().Value, errors, configuration);
    }

    /// <summary>A usable environment: a token and a Docker socket that exists.</summary>
    public static Dictionary<string, string> Valid(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["TOKEN"] = "secret", ["DOCKER_SOCKET"] = "/run/test.sock" };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }
}
