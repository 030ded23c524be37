using System.Net;
using AspireAuth.AppHost;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAuth.UnitTests.AppHost;

/// <summary>
/// The AppHost's pipeline check, against an HTTP stub answering as a service's <c>/health/pipeline</c> may: the
/// resource is Degraded exactly when the service says Degraded or cannot say, never Unhealthy, and nothing is looked at
/// until the resource has been ready once in its run (so a backlog cannot block <c>WaitFor</c>).
/// </summary>
public sealed class PipelineHealthCheckTests
{
    private static readonly Uri PipelineUri = new("http://cart-api.test/health/pipeline");

    [Theory]
    [InlineData(HttpStatusCode.OK, "Healthy", HealthStatus.Healthy)]
    [InlineData(HttpStatusCode.OK, "Degraded", HealthStatus.Degraded)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "Unhealthy", HealthStatus.Degraded)]
    [InlineData(HttpStatusCode.NotFound, "", HealthStatus.Degraded)]
    [InlineData(HttpStatusCode.OK, "<html>Healthy</html>", HealthStatus.Degraded)]
    public async Task A_ready_resource_is_as_healthy_as_its_pipeline_says_and_never_Unhealthy(HttpStatusCode code, string body, HealthStatus expected)
    {
        var stub = new StubHandler(_ => new HttpResponseMessage(code) { Content = new StringContent(body) });
        var result = await CheckAsync(stub, Ready());

        Assert.Equal(expected, result.Status);
        Assert.Equal([PipelineUri], stub.Requested);
    }

    [Fact]
    public async Task A_service_that_does_not_answer_is_Degraded_not_Unhealthy()
    {
        var stub = new StubHandler(_ => throw new HttpRequestException("Connection refused"));
        var result = await CheckAsync(stub, Ready());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("Connection refused", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Until_the_resource_is_ready_in_its_current_run_the_pipeline_is_not_looked_at()
    {
        var stub = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("Degraded") });
        var status = new PipelineStatus();
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(stub, status)).Status);

        status.Restarted(PipelineUri);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(stub, status)).Status);
        Assert.Empty(stub.Requested);

        status.Ready();
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync(stub, status)).Status);

        // Restarted (e.g. from the dashboard): its waiters wait again, so the check steps aside again until it is ready.
        status.Restarted(PipelineUri);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(stub, status)).Status);
        Assert.Single(stub.Requested);
    }

    private static PipelineStatus Ready()
    {
        var status = new PipelineStatus();
        status.Restarted(PipelineUri);
        status.Ready();
        return status;
    }

    private static async Task<HealthCheckResult> CheckAsync(StubHandler stub, PipelineStatus status)
    {
        using var http = new HttpClient(stub, disposeHandler: false);
        return await new PipelineHealthCheck(http, status).CheckHealthAsync(new HealthCheckContext());
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<Uri> Requested { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requested.Add(request.RequestUri!);
            return Task.FromResult(answer(request));
        }
    }
}
