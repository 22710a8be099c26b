using System.Collections;
using Hawser.Proxy.Docker;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Configuration;

internal static class ConfigurationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the original agent's variables and the command line on top of appsettings.json and the environment,
    /// then binds and validates <see cref="HawserOptions"/> once.
    /// </summary>
    public static ConfigurationProblems AddHawserConfiguration(
        this IServiceCollection services,
        IConfigurationBuilder configuration,
        IDictionary environment,
        CommandLine commandLine)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(commandLine);

        var problems = new List<string>();
        configuration.AddInMemoryCollection(LegacyEnvironment.ToSettings(environment, problems));
        configuration.AddInMemoryCollection(commandLine.Settings);
        var early = new ConfigurationProblems(problems);
        services.AddSingleton(early);
        services.AddSingleton<IValidateOptions<HawserOptions>, HawserOptionsValidator>();
        services.AddOptions<HawserOptions>().BindConfiguration(HawserOptions.SectionName).ValidateOnStart();
        services.AddHostedService<StartupBanner>();
        return early;
    }

    /// <summary>
    /// Binds and validates the options before the host is built (Kestrel's set-up already reads them), and returns
    /// every problem as one line each; empty when the configuration is usable.
    /// </summary>
    public static IReadOnlyList<string> Errors(
        this ConfigurationProblems early,
        IConfiguration configuration,
        DockerEndpointResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        HawserOptions options;
        try
        {
            options = configuration.GetSection(HawserOptions.SectionName).Get<HawserOptions>() ?? new HawserOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's own message names the key and the type it could not convert to.
            return [.. early.Items, ex.Message];
        }

        var result = new HawserOptionsValidator(early, resolver).Validate(null, options);
        return result.Failed ? [.. result.Failures] : [];
    }

    /// <summary>True when the agent dials Dockhand instead of listening for it.</summary>
    public static bool IsEdgeMode(IConfiguration configuration) =>
        (configuration.GetSection(HawserOptions.SectionName).Get<HawserOptions>() ?? new HawserOptions())
            .EffectiveMode == AgentMode.Edge;
}
