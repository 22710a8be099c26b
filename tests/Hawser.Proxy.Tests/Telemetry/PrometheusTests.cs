using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hawser.Proxy.Tests.Infrastructure;

namespace Hawser.Proxy.Tests.Telemetry;

/// <summary>/metrics as Prometheus sees it: promtool accepts it and a real Prometheus server scrapes it.</summary>
[Collection(EngineCollection.Name)]
public sealed class PrometheusTests(DockerEngineFixture engine)
{
    [Fact]
    public async Task Metrics_AfterTraffic_PassPromtoolCheck()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        using var client = session.Agent.CreateClient(session.Token);
        using var ping = await client.GetAsync("/_ping");
        using var anonymous = session.Agent.CreateClient(token: null);

        var text = await anonymous.GetStringAsync("/metrics");
        var check = await ProcessRunner.RunAsync("sh", ["-c", "promtool check metrics"], stdin: text);

        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("hawser_docker_requests_total{", text, StringComparison.Ordinal);
        Assert.Matches("hawser_docker_request_duration_seconds_bucket\\{[^}]*le=\"0.005\"", text);
        Assert.Contains("hawser_host_memory_total_bytes", text, StringComparison.Ordinal);
        Assert.Matches("hawser_host_cpu_core_utilization\\{[^}]*cpu=\"0\"", text);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/containers/", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_FromOutsideLoopbackOrWithTokenAccess_NeedTheToken()
    {
        await using var session = await StandardAgent.StartAsync(engine,
            new Dictionary<string, string?> { ["METRICS_ACCESS"] = "Token" });
        using var anonymous = session.Agent.CreateClient(token: null);
        using var withToken = session.Agent.CreateClient(session.Token);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session.Token);

        using var refused = await anonymous.GetAsync("/metrics");
        using var allowed = await withToken.GetAsync("/metrics");
        using var byBearer = await anonymous.SendAsync(bearer);
        using var dockerByBearer = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/_ping")
        {
            Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session.Token) },
        });

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, dockerByBearer.StatusCode);
    }

    [Fact]
    public async Task PrometheusServer_ScrapesTheAgent_AndTheRequestCountMovesAfterTraffic()
    {
        await using var session = await StandardAgent.StartAsync(engine);
        var dir = Directory.CreateTempSubdirectory("hawser-prom-").FullName;
        var port = AgentProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: hawser
                static_configs:
                  - targets: ["127.0.0.1:{session.Agent.Port}"]
            """);
        using var prometheus = ProcessRunner.Start("prometheus",
        [
            $"--config.file={Path.Combine(dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(dir, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ]);
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        using var docker = session.Agent.CreateClient(session.Token);
        const string query = "/api/v1/query?query=sum(hawser_docker_requests_total{route=\"_ping\"})";

        try
        {
            using (await docker.GetAsync("/_ping"))
            {
            }

            var before = await WaitForValueAsync(api, query, v => v >= 1);
            for (var i = 0; i < 5; i++)
            {
                using var _ = await docker.GetAsync("/_ping");
            }

            var after = await WaitForValueAsync(api, query, v => v >= before + 5);

            Assert.True(after >= before + 5, $"before {before}, after {after}");
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<double> WaitForValueAsync(HttpClient api, string query, Func<double, bool> accept)
    {
        var deadline = Stopwatch.StartNew();
        var last = double.NaN;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                var answer = await api.GetFromJsonAsync<JsonElement>(query);
                var result = answer.GetProperty("data").GetProperty("result");
                if (result.GetArrayLength() > 0)
                {
                    last = double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
                    if (accept(last))
                    {
                        return last;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Prometheus never returned an accepted value for {query} (last {last})");
    }
}
