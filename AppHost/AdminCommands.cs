using System.Net.Http.Headers;
using System.Text.Json;

namespace AspireAuth.AppHost;

/// <summary>
/// Operator chores as dashboard commands (README, "Operator commands"). Each service gets an internal <c>admin</c>
/// endpoint of its own — not referenced by Web, not external when published — and the <c>admin-secret</c> parameter;
/// each command POSTs to that endpoint with the secret as bearer token and shows the service's answer.
/// </summary>
internal static class AdminCommands
{
    public const string EndpointName = "admin";
    public const string ReplayDeadLetters = "replay-dead-letters";
    public const string CleanUpStaleGuests = "clean-up-stale-guests";
    public const string RepublishLinkEvents = "republish-link-events";
    public const string EventIdArgument = "eventId";
    public const string SinceArgument = "since";

    // Its own client, not the factory's: nothing may retry an operator's request behind their back, or cut a long cleanup short.
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(10) };

    public static IResourceBuilder<ParameterResource> AddAdminSecret(this IDistributedApplicationBuilder builder) =>
        builder.AddParameter("admin-secret", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

    public static IResourceBuilder<ProjectResource> WithCartAdminCommands(
        this IResourceBuilder<ProjectResource> cartApi, IResourceBuilder<ParameterResource> secret) =>
        cartApi.WithAdminEndpoint(secret).WithCommand(ReplayDeadLetters, "Replay dead letters",
            context => PostAsync(context, cartApi, secret, "/admin/dead-letters/replay", EventIdArgument, EventIdArgument),
            new CommandOptions
            {
                Description = "Puts dead-lettered events back on the stream for the consumer group that gave up on them",
                IconName = "ArrowReplay",
                UpdateState = WhileRunning,
                Arguments =
                [
                    new InteractionInput
                    {
                        Name = EventIdArgument,
                        Label = "Event id",
                        Description = "Only this event's dead letters; empty replays them all",
                        InputType = InputType.Text,
                        Required = false,
                    },
                ],
            });

    public static IResourceBuilder<ProjectResource> WithAuthAdminCommands(
        this IResourceBuilder<ProjectResource> authApi, IResourceBuilder<ParameterResource> secret) =>
        authApi.WithAdminEndpoint(secret)
            .WithCommand(CleanUpStaleGuests, "Clean up stale guests now",
                context => PostAsync(context, authApi, secret, "/admin/stale-guests/cleanup"),
                new CommandOptions
                {
                    Description = "Runs one pass of the stale-guest cleanup now instead of at its next interval",
                    IconName = "PersonDelete",
                    UpdateState = WhileRunning,
                })
            .WithCommand(RepublishLinkEvents, "Republish link events since…",
                context => PostAsync(context, authApi, secret, "/admin/outbox/republish", SinceArgument, SinceArgument),
                new CommandOptions
                {
                    Description = "Publishes every outbox event since a time again; consumers skip what they already handled",
                    IconName = "ArrowSync",
                    UpdateState = WhileRunning,
                    Arguments =
                    [
                        new InteractionInput
                        {
                            Name = SinceArgument,
                            Label = "Since (ISO 8601, e.g. 2026-11-29T10:00:00Z)",
                            InputType = InputType.Text,
                            Required = true,
                        },
                    ],
                });

    private static IResourceBuilder<ProjectResource> WithAdminEndpoint(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<ParameterResource> secret)
    {
        // No env: Aspire adds it to ASPNETCORE_URLS, so Kestrel listens on it; the service learns which port is admin.
        service.WithHttpEndpoint(name: EndpointName).WithEndpoint(EndpointName, endpoint => endpoint.ExcludeReferenceEndpoint = true);
        return service
            .WithEnvironment("Admin__Port", service.GetEndpoint(EndpointName).Property(EndpointProperty.TargetPort))
            .WithEnvironment("Admin__Secret", secret);
    }

    private static ResourceCommandState WhileRunning(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static async Task<ExecuteCommandResult> PostAsync(ExecuteCommandContext context, IResourceBuilder<ProjectResource> service,
        IResourceBuilder<ParameterResource> secret, string path, string? argument = null, string? queryName = null)
    {
        var query = argument is not null && context.Arguments?.TryGetByName(argument, out var input) == true
            && !string.IsNullOrWhiteSpace(input.Value)
            ? $"?{queryName}={Uri.EscapeDataString(input.Value.Trim())}"
            : "";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{service.GetEndpoint(EndpointName).Url}{path}{query}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await secret.Resource.GetValueAsync(context.CancellationToken));
        try
        {
            using var response = await Http.SendAsync(request, context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            var message = MessageOf(body);
            return response.IsSuccessStatusCode
                ? CommandResults.Success(message ?? "Done", body, CommandResultFormat.Json)
                : CommandResults.Failure($"{(int)response.StatusCode}: {message ?? response.ReasonPhrase}", body, CommandResultFormat.Json);
        }
        catch (HttpRequestException exception)
        {
            return CommandResults.Failure($"{service.Resource.Name}'s admin endpoint did not answer: {exception.Message}");
        }
    }

    /// <summary>The <c>message</c> of an admin answer, success (<c>3 replayed, 1 skipped</c>) or error (<c>{message, code}</c>).</summary>
    private static string? MessageOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
