using Hawser.Proxy.Compose;
using Hawser.Proxy.Configuration;
using Hawser.Proxy.Docker;
using Hawser.Proxy.Edge;
using Hawser.Proxy.Health;
using Hawser.Proxy.Proxy;
using Hawser.Proxy.Telemetry;

var commandLine = CommandLine.Parse(args);
if (commandLine.Error is not null)
{
    await Console.Error.WriteLineAsync($"hawser: {commandLine.Error}\n\n{CommandLine.Usage}");
    return 2;
}

switch (commandLine.Command)
{
    case CommandLine.Action.Help:
        Console.WriteLine(CommandLine.Usage);
        return 0;
    case CommandLine.Action.Version:
        Console.WriteLine($"hawser version {AgentVersion.Current}");
        return 0;
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = [],
    ContentRootPath = AppContext.BaseDirectory,
});
var early = builder.Services.AddHawserConfiguration(
    builder.Configuration, Environment.GetEnvironmentVariables(), commandLine);
// The probe asks the running agent; whether this process could find a Docker socket does not matter to it.
if (commandLine.Command == CommandLine.Action.HealthCheck)
{
    return await HealthProbe.RunAsync(builder.Configuration);
}

var errors = early.Errors(builder.Configuration, DockerEndpointResolver.ForThisHost());
if (errors.Count > 0)
{
    foreach (var error in errors)
    {
        await Console.Error.WriteLineAsync($"hawser: configuration error: {error}");
    }

    return 1;
}

var edgeMode = ConfigurationServiceCollectionExtensions.IsEdgeMode(builder.Configuration);
builder.Services.AddDockerEngine();
builder.Services.AddDockerProxy();
builder.Services.AddLoadBalancerSupport();
builder.Services.AddAgentHealth();
builder.Services.AddHawserTelemetry();
builder.Services.AddCompose();
if (edgeMode)
{
    builder.Services.AddEdgeTunnel();
}

var app = builder.Build();
app.UseLoadBalancerSupport();
app.UseTokenAuthentication();
app.MapAgentHealth();
app.MapHawserMetrics();
if (!edgeMode)
{
    app.MapCompose();
    app.MapDockerProxy();
}

await app.RunAsync();
return 0;

/// <summary>The entry point; public so the test host can start it.</summary>
public partial class Program;
