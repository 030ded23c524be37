using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAuth.AppHost;

internal static class PipelineHealthExtensions
{
    /// <summary>The most a look at a service's pipeline status may take; past it the status counts as unknown (Degraded).</summary>
    /// <summary>ServiceDefaults' <c>PipelineHealthEndpointPath</c> (the AppHost does not reference ServiceDefaults).</summary>
    private const string PipelineHealthPath = "/health/pipeline";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Shows the service's event pipeline (backlogs, dead letters: <c>/health/pipeline</c>) as the resource's health in
    /// the dashboard: Degraded when the service says so. <c>WithHttpHealthCheck</c> cannot, since ASP.NET answers
    /// Degraded with a 200. <c>WaitFor</c> waits for Healthy, so until the resource has been healthy once in its current
    /// run the check reports Healthy: a backlog present at start (dead letters of an earlier run) never holds back the
    /// services that wait for this one.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPipelineHealthCheck(this IResourceBuilder<ProjectResource> builder)
    {
        var key = $"{builder.Resource.Name}_pipeline_check";
        var endpoint = builder.GetEndpoint("http");
        var status = new PipelineStatus();
        builder.OnBeforeResourceStarted((_, _, _) =>
        {
            status.Restarted(new Uri(new Uri(endpoint.Url, UriKind.Absolute), PipelineHealthPath));
            return Task.CompletedTask;
        });
        builder.OnResourceReady((_, _, _) =>
        {
            status.Ready();
            return Task.CompletedTask;
        });

        builder.ApplicationBuilder.Services.AddHttpClient(key);
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key,
            services => new PipelineHealthCheck(services.GetRequiredService<IHttpClientFactory>().CreateClient(key), status),
            failureStatus: HealthStatus.Degraded, tags: null, timeout: CheckTimeout));
        return builder.WithHealthCheck(key);
    }
}

/// <summary>Where a resource's pipeline status is read in its current run, and whether that run has been healthy yet.</summary>
internal sealed class PipelineStatus
{
    private volatile Uri? _uri;
    private volatile bool _ready;

    public Uri? Uri => _uri;

    /// <summary>The resource has been Healthy (and its waiters released) since it last started.</summary>
    public bool IsReady => _ready;

    public void Restarted(Uri uri)
    {
        _ready = false;
        _uri = uri;
    }

    public void Ready() => _ready = true;
}

/// <summary>
/// Reads a service's <c>/health/pipeline</c> status word: Healthy, or Degraded for anything else (a backlog, an answer
/// it does not know, no answer), never Unhealthy: whether the service is up is <c>/health</c>'s check to say.
/// </summary>
internal sealed class PipelineHealthCheck(HttpClient http, PipelineStatus status) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!status.IsReady || status.Uri is not { } uri)
        {
            return HealthCheckResult.Healthy("Not looked at until the resource is first healthy");
        }

        try
        {
            using var response = await http.GetAsync(uri, cancellationToken);
            var word = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            return response.IsSuccessStatusCode && word == nameof(HealthStatus.Healthy)
                ? HealthCheckResult.Healthy("The event pipeline keeps up")
                : response.IsSuccessStatusCode && word == nameof(HealthStatus.Degraded)
                    ? HealthCheckResult.Degraded($"The event pipeline is behind or has dead letters: see {uri.AbsolutePath} and the aspireauth.events.* / aspireauth.outbox.* metrics")
                    : HealthCheckResult.Degraded($"{uri.AbsolutePath} answered {(int)response.StatusCode} '{(word.Length > 40 ? word[..40] : word)}'");
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"{uri.AbsolutePath} cannot be read: {exception.Message}", exception);
        }
    }
}
