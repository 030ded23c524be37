using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace AspireAuth.Auth.Api.Social;

/// <summary>Deletes the states of sign-ins that completed or expired (OpenIddict keeps them until pruned).</summary>
internal sealed class SocialStatePruning(
    IServiceScopeFactory scopes, IOptions<SocialSignInOptions> options, ResilientLoops loops, TimeProvider time, ILogger<SocialStatePruning> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loops.RunEveryAsync("social-state-pruning", options.Value.StatePruneInterval, async cancellationToken =>
            {
                var started = time.GetUtcNow();
                await using var scope = scopes.CreateAsyncScope();
                var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
                // Anything created before this is past its lifetime, used or not.
                var pruned = await tokens.PruneAsync(time.GetUtcNow() - options.Value.StateLifetime, cancellationToken);
                if (pruned > 0)
                {
                    // Known only once done, so a span of the whole pass without its calls: a pass that pruned nothing is no trace.
                    using var work = AspireAuthTelemetry.StartBackgroundWork("social state pruning", startTime: started);
                    work?.SetTag("aspireauth.social_states.pruned", pruned);
                    logger.LogInformation("Pruned {Count} social sign-in state(s)", pruned);
                }
            }, stoppingToken);
}
