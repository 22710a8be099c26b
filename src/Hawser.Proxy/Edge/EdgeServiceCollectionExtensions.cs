using Hawser.Proxy.Proxy;

namespace Hawser.Proxy.Edge;

internal static class EdgeServiceCollectionExtensions
{
    public static IServiceCollection AddEdgeTunnel(this IServiceCollection services)
    {
        services.AddSingleton<EdgeStatus>();
        services.AddSingleton<TunnelRequestHandler>();
        services.AddSingleton<EdgeConnection>();
        services.AddSingleton<ContainerEventForwarder>();
        services.AddHostedService(sp => sp.GetRequiredService<ContainerEventForwarder>());
        services.AddHostedService<EdgeAgentService>();
        return services;
    }
}
