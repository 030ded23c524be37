using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.EventBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireAuth.UnitTests.Messaging;

public sealed class InboxOptionsTests
{
    [Theory]
    [InlineData("23:59:59")]
    [InlineData("00:00:00")]
    [InlineData("-8.00:00:00")]
    public void A_retention_shorter_than_a_day_stops_the_start(string retention)
    {
        using var services = ConsumerServices(retention);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(nameof(InboxOptions.Retention), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.00:00:00")]
    [InlineData("30.00:00:00")]
    public void A_retention_of_a_day_or_more_is_accepted(string retention)
    {
        using var services = ConsumerServices(retention);

        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture), services.GetRequiredService<IOptions<InboxOptions>>().Value.Retention);
    }

    [Fact]
    public void By_default_an_event_id_outlives_both_the_republish_window_and_a_guest_session()
    {
        using var services = ConsumerServices(retention: null);

        var retention = services.GetRequiredService<IOptions<InboxOptions>>().Value.Retention;

        Assert.True(retention > new OutboxOptions().Retention, $"{retention} does not outlast Outbox:Retention");
        Assert.True(retention > new AuthOptions().SessionLifetime, $"{retention} does not outlast Auth:SessionLifetime");
    }

    private static ServiceProvider ConsumerServices(string? retention)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(retention is null ? [] : [new($"{InboxOptions.SectionName}:{nameof(InboxOptions.Retention)}", retention)])
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddEventConsumer("unit-tests");
        return services.BuildServiceProvider();
    }
}
