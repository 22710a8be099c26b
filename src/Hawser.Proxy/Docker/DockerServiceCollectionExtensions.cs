using Hawser.Proxy.Configuration;
using Microsoft.Extensions.Options;

namespace Hawser.Proxy.Docker;

internal static class DockerServiceCollectionExtensions
{
    public static IServiceCollection AddDockerEngine(this IServiceCollection services)
    {
        services.AddSingleton(DockerEndpointResolver.ForThisHost());
        services.AddSingleton(sp => sp.GetRequiredService<DockerEndpointResolver>()
            .Resolve(sp.GetRequiredService<IOptions<HawserOptions>>().Value.Docker));
        services.AddSingleton(sp => new DockerConnector(sp.GetRequiredService<DockerEndpoint>(),
            sp.GetRequiredService<IOptions<HawserOptions>>().Value.Docker.ConnectTimeout));
        services.AddSingleton<IDockerEngine, DockerEngine>();
        return services;
    }
}
