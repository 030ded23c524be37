using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAuth.EventBus;

/// <summary>
/// Puts dead letters back on the event stream for the consumer group that gave up on them (recorded in
/// <see cref="EventStream.Fields.ConsumerGroup"/>; an entry dead-lettered before that field existed goes to every
/// group). Each dead letter is deleted only after its event is back on the stream, so a failure in between leaves
/// it to be replayed again, and the event may then arrive twice: consumers are idempotent (their inbox records each
/// event id they handled). Dead letters that are not an event envelope are left where they are and reported.
/// </summary>
public sealed partial class DeadLetterReplay(IConnectionMultiplexer redis, ILogger<DeadLetterReplay> logger)
{
    private const int PageSize = 100;

    /// <summary>Replays every dead letter, or only those of <paramref name="eventId"/>; null when it has none.</summary>
    public async Task<DeadLetterReplayReport?> ReplayAsync(Guid? eventId, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var replayed = new List<ReplayedDeadLetter>();
        var skipped = new List<SkippedDeadLetter>();
        RedisValue start = "-";
        while (true)
        {
            var page = await database.StreamRangeAsync(EventStream.DeadLetterKey, start, "+", PageSize);
            foreach (var entry in page.Where(entry => eventId is not { } id
                || (Guid.TryParse(entry[EventStream.Fields.EventId].ToString(), out var entryEventId) && entryEventId == id)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                EventEnvelope envelope;
                try
                {
                    envelope = EventEnvelope.FromStreamEntry(entry);
                }
                catch (FormatException exception)
                {
                    skipped.Add(new SkippedDeadLetter(entry.Id.ToString(), exception.Message));
                    continue;
                }

                var group = entry[EventStream.Fields.ConsumerGroup] is { IsNullOrEmpty: false } recorded ? recorded.ToString() : null;
                var fields = group is null
                    ? envelope.ToStreamFields()
                    : [.. envelope.ToStreamFields(), new NameValueEntry(EventStream.Fields.ReplayForGroup, group)];
                var streamEntryId = await database.StreamAddAsync(EventStream.Key, fields);
                await database.StreamDeleteAsync(EventStream.DeadLetterKey, [entry.Id]);
                replayed.Add(new ReplayedDeadLetter(entry.Id.ToString(), envelope.EventId, envelope.EventType, group, streamEntryId.ToString()));
                LogReplayed(entry.Id.ToString(), envelope.EventType, envelope.EventId, group ?? "every group", streamEntryId.ToString());
            }

            if (page.Length < PageSize)
            {
                break;
            }

            start = $"({page[^1].Id}"; // exclusive: the page after the last entry read
        }

        if (eventId is not null && replayed.Count == 0 && skipped.Count == 0)
        {
            return null;
        }

        if (replayed.Count > 0)
        {
            await redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, replayed[^1].StreamEntryId);
        }

        return new DeadLetterReplayReport($"{replayed.Count} replayed, {skipped.Count} skipped", replayed, skipped);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed dead letter {DeadLetterId} ({EventType} {EventId}) for {ConsumerGroup} as stream entry {StreamEntryId}")]
    private partial void LogReplayed(string deadLetterId, string eventType, Guid eventId, string consumerGroup, string streamEntryId);
}

/// <param name="Message">One line for the operator, e.g. <c>3 replayed, 1 skipped</c>.</param>
public sealed record DeadLetterReplayReport(string Message, IReadOnlyList<ReplayedDeadLetter> Replayed, IReadOnlyList<SkippedDeadLetter> Skipped);

/// <param name="ConsumerGroup">The group it was replayed for; null: every group (an entry that did not record its group).</param>
public sealed record ReplayedDeadLetter(string DeadLetterId, Guid EventId, string EventType, string? ConsumerGroup, string StreamEntryId);

public sealed record SkippedDeadLetter(string DeadLetterId, string Reason);

public static class DeadLetterReplayEndpoints
{
    /// <summary><c>POST {admin}/dead-letters/replay[?eventId=…]</c>: replays every dead letter, or those of one event.</summary>
    public static RouteGroupBuilder MapDeadLetterReplay(this RouteGroupBuilder admin)
    {
        admin.MapPost("/dead-letters/replay", async Task<Results<JsonHttpResult<DeadLetterReplayReport>, JsonHttpResult<ApiError>>> (
            string? eventId, DeadLetterReplay replay, CancellationToken cancellationToken) =>
        {
            Guid? id = null;
            if (!string.IsNullOrWhiteSpace(eventId))
            {
                if (!Guid.TryParse(eventId.Trim(), out var parsed))
                {
                    return ApiError.Validation("eventId must be an event id (a GUID), or absent to replay every dead letter")
                        .ToResult(StatusCodes.Status400BadRequest);
                }

                id = parsed;
            }

            return await replay.ReplayAsync(id, cancellationToken) is { } report
                ? TypedResults.Json(report, EventBusJsonContext.Default.DeadLetterReplayReport)
                : new ApiError($"No dead letter has event id {id}", "DEAD_LETTER_NOT_FOUND").ToResult(StatusCodes.Status404NotFound);
        });
        return admin;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DeadLetterReplayReport))]
internal sealed partial class EventBusJsonContext : JsonSerializerContext;
