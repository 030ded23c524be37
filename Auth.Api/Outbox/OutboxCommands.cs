using System.Globalization;
using AspireAuth.Auth.Api.Data;

namespace AspireAuth.Auth.Api.Outbox;

/// <summary>
/// Operator commands run with the service's own configuration instead of serving requests:
/// <c>Auth.Api republish-events --since 2026-11-29T10:00:00Z</c> publishes every event since then
/// again (consumers skip what they already handled), e.g. after restoring a consumer's database.
/// </summary>
internal static class OutboxCommands
{
    public static async Task<bool> TryRunOutboxCommandAsync(this WebApplication app, string[] args)
    {
        if (args is not ["republish-events", ..])
        {
            return false;
        }

        if (args is not [_, "--since", var sinceText]
            || !DateTime.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since))
        {
            await Console.Error.WriteLineAsync("Usage: Auth.Api republish-events --since <ISO-8601 time, e.g. 2026-11-29T10:00:00Z>");
            Environment.ExitCode = 2;
            return true;
        }

        await using var scope = app.Services.CreateAsyncScope();
        var count = await OutboxRelay.RepublishSinceAsync(scope.ServiceProvider.GetRequiredService<AuthDbContext>(), since, CancellationToken.None);
        Console.WriteLine($"{count} event(s) since {since:O} will be published again by the running outbox relay.");
        return true;
    }
}
