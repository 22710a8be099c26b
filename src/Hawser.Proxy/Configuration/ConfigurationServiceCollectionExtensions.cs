using System.Collections;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Configuration;

internal static class ConfigurationServiceCollectionExtensions
{
    /// <summary>
    /// Adds the original agent's variables and the command line on top of appsettings.json and the environment,
    /// then binds and validates <see cref="HawserOptions"/> once.
    /// </summary>
    public static IServiceCollection AddHawserConfiguration(
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
        services.AddSingleton(new ConfigurationProblems(problems));
        services.AddSingleton<IValidateOptions<HawserOptions>, HawserOptionsValidator>();
        services.AddOptions<HawserOptions>().BindConfiguration(HawserOptions.SectionName).ValidateOnStart();
        services.AddHostedService<StartupBanner>();
        return services;
    }

    /// <summary>
    /// Resolves the options once, before the host starts, and returns every problem as one line each (empty when
    /// the configuration is usable).
    /// </summary>
    public static IReadOnlyList<string> ConfigurationErrors(this IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<HawserOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
        catch (InvalidOperationException ex)
        {
            // The binder's own message names the key and the type it could not convert to.
            return [ex.Message];
        }
    }

    /// <summary>A mode this build cannot run yet, refused at start rather than half-working.</summary>
    public static string? UnsupportedModeError(this IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<HawserOptions>>().Value;
        // LIMITATION: edge mode (the outbound WebSocket to Dockhand) is not built yet; see the edge-mode issue.
        return options.EffectiveMode == AgentMode.Edge
            ? "edge mode is not available in this build yet; unset DOCKHAND_SERVER_URL to run in standard mode."
            : null;
    }
}
