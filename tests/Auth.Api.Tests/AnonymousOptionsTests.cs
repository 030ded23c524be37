using System.Net;
using System.Text.Json;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Each option of the anonymous plugin, as Better Auth's <c>anonymous({...})</c> documents it.</summary>
[Collection(AuthApiCollection.Name)]
public sealed class AnonymousOptionsTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task Email_domain_name_makes_temp_id_at_that_domain()
    {
        var client = fixture.CreateClient(fixture.CreateApp(new() { ["Auth:Anonymous:EmailDomainName"] = "guests.example.com" }));

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal($"temp-{reply.UserId.ToLowerInvariant()}@guests.example.com", EmailOf(reply));
    }

    [Fact]
    public async Task Generate_random_email_makes_the_email()
    {
        var email = TestData.UniqueEmail("guest");
        var client = ClientWith(options => options.GenerateRandomEmail = () => email);

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(email, EmailOf(reply));
    }

    [Fact]
    public async Task Generate_random_email_async_makes_the_email()
    {
        var email = TestData.UniqueEmail("guest");
        var client = ClientWith(options => options.GenerateRandomEmailAsync = async cancellationToken =>
        {
            await Task.Yield();
            return email;
        });

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(email, EmailOf(reply));
    }

    [Fact]
    public async Task Generate_random_email_wins_over_email_domain_name()
    {
        var email = TestData.UniqueEmail("guest");
        var client = ClientWith(options =>
        {
            options.EmailDomainName = "ignored.example.com";
            options.GenerateRandomEmail = () => email;
        });

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal(email, EmailOf(reply));
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("two@@example.com")]
    public async Task A_generated_email_that_is_not_an_address_is_refused_and_nothing_is_written(string generated)
    {
        var client = ClientWith(options => options.GenerateRandomEmail = () => generated);
        var before = DateTime.UtcNow;

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("""{"message":"Email was not generated in a valid format","code":"INVALID_EMAIL_FORMAT"}""", reply.Body);
        Assert.Empty(reply.SetCookies);
        Assert.Equal(0L, await fixture.CountUsersCreatedSinceAsync(before));
    }

    [Fact]
    public async Task An_async_generated_email_that_is_not_an_address_is_refused()
    {
        var client = ClientWith(options => options.GenerateRandomEmailAsync = _ => Task.FromResult("guest at example.com"));
        var before = DateTime.UtcNow;

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal((HttpStatusCode.BadRequest, "INVALID_EMAIL_FORMAT"), (reply.Status, reply.Code));
        Assert.Equal(0L, await fixture.CountUsersCreatedSinceAsync(before));
    }

    [Fact]
    public async Task Generate_name_names_anonymous_users()
    {
        var client = ClientWith(options => options.GenerateName = () => "Curious Otter");

        var reply = await client.SignInAnonymousAsync();

        Assert.Equal("Curious Otter", reply.Json.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("Curious Otter", await fixture.QueryScalarAsync<string>("""SELECT name FROM "user" WHERE id = $1""", reply.UserId));
    }

    [Fact]
    public async Task On_link_account_runs_once_with_the_anonymous_and_the_new_user()
    {
        var recorder = new LinkRecorder();
        var app = fixture.CreateApp(services: services => services.Configure<AnonymousOptions>(o => o.OnLinkAccount = recorder.RecordAsync));

        await SignInAnonymouslyThenSignUpAndExpectOneLinkAsync(app, recorder);
    }

    [Fact]
    public async Task A_link_handler_registered_in_di_runs_once_with_the_anonymous_and_the_new_user()
    {
        var recorder = new LinkRecorder();
        var app = fixture.CreateApp(services: services => services.AddSingleton<IAnonymousLinkHandler>(recorder));

        await SignInAnonymouslyThenSignUpAndExpectOneLinkAsync(app, recorder);
    }

    [Fact]
    public async Task Disable_delete_anonymous_user_keeps_the_anonymous_user_after_linking()
    {
        var recorder = new LinkRecorder();
        var app = fixture.CreateApp(services: services => services.Configure<AnonymousOptions>(o =>
        {
            o.DisableDeleteAnonymousUser = true;
            o.OnLinkAccount = recorder.RecordAsync;
        }));
        var client = fixture.CreateClient(app);
        var anonymous = await client.SignInAnonymousAsync();

        var signUp = await client.SignUpAsync(TestData.UniqueEmail());

        Assert.Equal(HttpStatusCode.OK, signUp.Status);
        Assert.True(await fixture.UserExistsAsync(anonymous.UserId));
        Assert.Single(recorder.Links);
        // The link itself still happens: other services still move the guest's things to the new user.
        Assert.Equal(signUp.UserId, await fixture.LinkedUserIdAsync(anonymous.UserId));
        Assert.Equal(1L, await fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymous.UserId));
    }

    [Fact]
    public async Task Disable_delete_anonymous_user_refuses_delete_anonymous_user_before_looking_at_the_session()
    {
        var client = ClientWith(options => options.DisableDeleteAnonymousUser = true);

        var withoutSession = await client.PostAsync("/delete-anonymous-user");
        var anonymous = await client.SignInAnonymousAsync();
        var withSession = await client.PostAsync("/delete-anonymous-user");

        const string disabled = """{"message":"Deleting anonymous users is disabled","code":"DELETE_ANONYMOUS_USER_DISABLED"}""";
        Assert.Equal((HttpStatusCode.BadRequest, disabled), (withoutSession.Status, withoutSession.Body));
        Assert.Equal((HttpStatusCode.BadRequest, disabled), (withSession.Status, withSession.Body));
        Assert.Empty(withSession.SetCookies);
        Assert.True(await fixture.UserExistsAsync(anonymous.UserId));
        Assert.Equal(0L, await fixture.OutboxCountAsync(AuthDatabase.AnonymousUserDeleted, anonymous.UserId));
        Assert.Equal(anonymous.UserId, (await client.GetAsync("/get-session")).UserId);
    }

    [Fact]
    public async Task Setting_both_email_generators_stops_the_start()
    {
        var start = fixture.StartHostAsync(services: services => services.Configure<AnonymousOptions>(o =>
        {
            o.GenerateRandomEmail = () => "a@example.com";
            o.GenerateRandomEmailAsync = _ => Task.FromResult("a@example.com");
        }));

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => start);

        Assert.Equal(typeof(AnonymousOptions), failure.OptionsType);
        Assert.Contains("Set GenerateRandomEmail or GenerateRandomEmailAsync, not both.", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auth:Anonymous:EmailDomainName", "not a domain")]
    [InlineData("Auth:Anonymous:EmailDomainName", "guests.example.com/path")]
    [InlineData("Auth:Anonymous:StaleUserAge", "00:00:30")]
    [InlineData("Auth:Anonymous:CleanupInterval", "00:00:00")]
    [InlineData("Auth:Anonymous:CleanupBatchSize", "0")]
    public async Task An_invalid_setting_stops_the_start(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => fixture.StartHostAsync(new() { [key] = value }));

        Assert.Equal(typeof(AnonymousOptions), failure.OptionsType);
    }

    private async Task SignInAnonymouslyThenSignUpAndExpectOneLinkAsync(WebApplicationFactory<AuthDbContext> app, LinkRecorder recorder)
    {
        var client = fixture.CreateClient(app);
        var anonymous = await client.SignInAnonymousAsync();
        Assert.Empty(recorder.Links);

        var email = TestData.UniqueEmail();
        var signUp = await client.PostAsync("/sign-up/email", JsonSerializer.Serialize(new { name = "Bob", email, password = TestData.Password }));

        var link = Assert.Single(recorder.Links);
        Assert.Equal(anonymous.UserId, link.AnonymousUser.User.Id);
        Assert.True(link.AnonymousUser.User.IsAnonymous());
        Assert.Equal(anonymous.Token, link.AnonymousUser.Session.Token);
        Assert.Equal(anonymous.UserId, link.AnonymousUser.Session.UserId);
        Assert.Equal(signUp.UserId, link.NewUser.User.Id);
        Assert.Equal(("Bob", email, false), (link.NewUser.User.Name, link.NewUser.User.Email, link.NewUser.User.IsAnonymous()));
        Assert.Equal(signUp.Token, link.NewUser.Session.Token);
        Assert.Equal(signUp.UserId, link.NewUser.Session.UserId);

        // Later sign-ins of the linked user are ordinary: nothing more to link.
        client.SessionCookie = null;
        await client.SignInAsync(email);
        Assert.Single(recorder.Links);
    }

    private AuthHttp ClientWith(Action<AnonymousOptions> configure) =>
        fixture.CreateClient(fixture.CreateApp(services: services => services.Configure(configure)));


    private static string? EmailOf(Reply reply) => reply.Json.GetProperty("user").GetProperty("email").GetString();
}
