using System.Diagnostics.Metrics;
using System.Net;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.EventBus;
using AspireAuth.IntegrationEvents;
using AspireAuth.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// The outbox's backlog, measured from PostgreSQL outside the relay: while the relay cannot publish, the oldest
/// unpublished row's age grows and <c>/health/pipeline</c> turns Degraded, while <c>/health</c> stays Healthy.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class OutboxBacklogTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task While_the_relay_cannot_publish_the_oldest_unpublished_age_grows_and_the_pipeline_is_Degraded_then_Healthy_once_published()
    {
        var app = fixture.CreateApp(new()
        {
            [$"{PipelineHealthOptions.SectionName}:{nameof(PipelineHealthOptions.MaxUnpublishedAge)}"] = "00:00:01",
            [$"{PipelineHealthOptions.SectionName}:{nameof(PipelineHealthOptions.ReadEvery)}"] = "00:00:00",
            [$"{OutboxOptions.SectionName}:{nameof(OutboxOptions.PollInterval)}"] = "00:00:00.200",
        });
        using var http = app.CreateClient();
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var unpublished = new Gauge("aspireauth.outbox.unpublished", meters);
        using var age = new Gauge("aspireauth.outbox.oldest_unpublished.age", meters);
        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Healthy", TimeSpan.FromSeconds(15));

        // The lock the relay takes to be the one publisher: held here, as by a replica that hangs while publishing.
        await using var otherPublisher = new NpgsqlConnection(fixture.AuthDb);
        await otherPublisher.OpenAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock($1)", otherPublisher))
        {
            hold.Parameters.Add(new NpgsqlParameter { Value = OutboxRelay.PublishLockKey });
            await hold.ExecuteNonQueryAsync();
        }

        var deleted = new AnonymousUserDeleted(Guid.NewGuid(), DateTime.UtcNow, $"guest-{Guid.NewGuid():N}");
        await Sql.ExecuteAsync(fixture.AuthDb,
            "INSERT INTO outbox_message (event_id, event_type, event_version, payload, occurred_at) VALUES ($1, $2, $3, $4::jsonb, $5)",
            deleted.EventId, AnonymousUserDeleted.EventType, AnonymousUserDeleted.EventVersion, IntegrationEventSerializer.Serialize(deleted), deleted.OccurredAt);

        await Eventually.HoldsAsync(() => Task.FromResult(unpublished.Read() == 1 && age.Read() > 0), TimeSpan.FromSeconds(15));
        var firstAge = age.Read();
        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Degraded" && age.Read() > firstAge + 0.5,
            TimeSpan.FromSeconds(15));
        Assert.Equal("Healthy", await StatusAsync(http, "/health"));
        Assert.Null(await Sql.ScalarAsync<DateTime?>(fixture.AuthDb, "SELECT published_at FROM outbox_message WHERE event_id = $1", deleted.EventId));

        // Released on this session (closing would only return it to the pool, lock and all).
        await using (var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", otherPublisher))
        {
            release.Parameters.Add(new NpgsqlParameter { Value = OutboxRelay.PublishLockKey });
            await release.ExecuteNonQueryAsync();
        }

        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Healthy" && unpublished.Read() == 0 && age.Read() == 0,
            TimeSpan.FromSeconds(15));
        Assert.NotNull(await Sql.ScalarAsync<DateTime?>(fixture.AuthDb, "SELECT published_at FROM outbox_message WHERE event_id = $1", deleted.EventId));
    }

    private static async Task<string> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
