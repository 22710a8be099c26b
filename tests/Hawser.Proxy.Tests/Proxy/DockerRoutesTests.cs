using Hawser.Proxy.Proxy;

namespace Hawser.Proxy.Tests.Proxy;

public sealed class DockerRoutesTests
{
    [Theory]
    [InlineData("/containers/json?token=abc&all=1", "/containers/json?all=1")]
    [InlineData("/containers/json?all=1&token=abc", "/containers/json?all=1")]
    [InlineData("/containers/json?token=abc", "/containers/json")]
    [InlineData("/containers/json?to%6Ben=abc&all=1", "/containers/json?all=1")]
    [InlineData("/images/a%2Fb/json?tokens=1", "/images/a%2Fb/json?tokens=1")]
    [InlineData("/images/a%2Fb/push?tag=x", "/images/a%2Fb/push?tag=x")]
    public void WithoutToken_RemovesOnlyTheTokenParameter(string target, string expected)
    {
        Assert.Equal(expected, DockerRoutes.WithoutToken(target));
    }

    [Theory]
    [InlineData("GET", "/containers/abc/logs", true)]
    [InlineData("GET", "/v1.41/events", true)]
    [InlineData("POST", "/images/reg%2Fname/push", true)]
    [InlineData("POST", "/containers/abc/wait", true)]
    [InlineData("GET", "/images/abc/get", true)]
    [InlineData("GET", "/containers/abc/archive", true)]
    [InlineData("GET", "/containers/abc/stats", true)]
    [InlineData("POST", "/images/load", true)]
    [InlineData("POST", "/v1.47/containers/prune", true)]
    [InlineData("POST", "/build", true)]
    [InlineData("GET", "/containers/json", false)]
    [InlineData("GET", "/v4.0.0/libpod/info", false)]
    public void IsLongLived_StreamsAndWaits_HaveNoIdleTimeout(string method, string path, bool expected)
    {
        Assert.Equal(expected, DockerRoutes.IsLongLived(method, path));
    }

    [Theory]
    [InlineData("POST", "/exec/abc/start", true)]
    [InlineData("POST", "/v1.41/containers/abc/attach", true)]
    [InlineData("GET", "/exec/abc/start", false)]
    [InlineData("POST", "/exec/abc/resize", false)]
    public void IsHijackable_OnlyExecStartAndAttach(string method, string path, bool expected)
    {
        Assert.Equal(expected, DockerRoutes.IsHijackable(method, path));
    }

    [Theory]
    [InlineData("/containers/../../etc", true)]
    [InlineData("/containers/%2e%2e/json", true)]
    [InlineData("http://evil/containers/json", true)]
    [InlineData("/containers/json?filter=..", false)]
    [InlineData("/containers/json", false)]
    public void IsSuspicious_DotSegmentsAndAbsoluteForm(string target, bool expected)
    {
        Assert.Equal(expected, DockerRoutes.IsSuspicious(target));
    }
}
