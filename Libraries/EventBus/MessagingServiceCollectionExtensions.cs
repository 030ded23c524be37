using AspireAuth.IntegrationEvents;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.EventBus;

public static class MessagingServiceCollectionExtensions
{
    /// <summary>Consumes the event stream as <paramref name="group"/>; add handlers on the returned builder.</summary>
    public static EventConsumerBuilder AddEventConsumer(this IServiceCollection services, string group)
    {
        services.AddOptions<EventConsumerOptions>()
            .Configure(options => options.Group = group)
            .BindConfiguration(EventConsumerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<InboxOptions>()
            .BindConfiguration(InboxOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var registry = new EventHandlerRegistry();
        services.AddSingleton(registry);
        services.AddResilientLoops();
        services.AddHostedService<EventStreamConsumer>();
        services.AddSingleton<DeadLetterReplay>();
        services.AddPipelineHealthOptions();
        services.AddSingleton<ConsumerGroupObserver>();
        services.AddHostedService(provider => provider.GetRequiredService<ConsumerGroupObserver>());
        services.AddHealthChecks()
            .AddPipelineCheck<ConsumerGroupObserver>(ConsumerGroupObserver.LagCheckName, observer => observer.CheckLagAsync())
            .AddPipelineCheck<ConsumerGroupObserver>(ConsumerGroupObserver.DeadLetterCheckName, observer => observer.CheckDeadLettersAsync());
        return new EventConsumerBuilder(services, registry);
    }

    public static IServiceCollection AddEventPublisher(this IServiceCollection services) =>
        services.AddSingleton<EventStreamPublisher>();
}

public sealed class EventConsumerBuilder(IServiceCollection services, EventHandlerRegistry registry)
{
    public EventConsumerBuilder Handle<TEvent, THandler>()
        where TEvent : IIntegrationEvent<TEvent>
        where THandler : class, IIntegrationEventHandler<TEvent>
    {
        services.AddScoped<THandler>();
        registry.Add(TEvent.EventType, TEvent.EventVersion, async (provider, payload, cancellationToken) =>
        {
            TEvent integrationEvent;
            try
            {
                integrationEvent = IntegrationEventSerializer.Deserialize<TEvent>(payload);
            }
            catch (Exception exception)
            {
                // Deserializing is pure: whatever it throws, the payload will never fit.
                throw new PoisonMessageException($"The {TEvent.EventType} v{TEvent.EventVersion} payload cannot be read: {exception.Message}", exception);
            }

            await provider.GetRequiredService<THandler>().HandleAsync(integrationEvent, cancellationToken);
        });
        return this;
    }
}

/// <summary>The handlers of one consumer, by event type.</summary>
public sealed class EventHandlerRegistry
{
    private readonly Dictionary<string, (int Version, Func<IServiceProvider, string, CancellationToken, Task> Handle)> _handlers = [];

    internal void Add(string eventType, int version, Func<IServiceProvider, string, CancellationToken, Task> handle) =>
        _handlers.Add(eventType, (version, handle));

    internal bool TryGet(string eventType, out (int Version, Func<IServiceProvider, string, CancellationToken, Task> Handle) handler) =>
        _handlers.TryGetValue(eventType, out handler);
}
