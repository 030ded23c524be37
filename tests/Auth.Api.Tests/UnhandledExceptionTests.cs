using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>An exception no endpoint expected is a JSON 500 that names nothing, even where the developer exception page runs.</summary>
[Collection(AuthApiCollection.Name)]
public sealed class UnhandledExceptionTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task In_Development_an_unhandled_exception_is_a_JSON_500_without_exception_names()
    {
        var app = fixture.CreateApp(new() { ["environment"] = Environments.Development });
        Assert.True(app.Services.GetRequiredService<IHostEnvironment>().IsDevelopment());
        var email = TestData.UniqueEmail();
        await fixture.CreateClient(app).SignUpAsync(email);
        var guest = fixture.CreateClient(app);
        var anonymous = await guest.SignInAnonymousAsync();

        await using (await OutboxInsertFailure.InjectForAsync(fixture, anonymous.UserId))
        {
            var failed = await guest.SignInAsync(email);

            Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
            Assert.Equal("application/json", failed.MediaType);
            Assert.Equal("INTERNAL_SERVER_ERROR", failed.Code);
            Assert.Equal("Internal server error", failed.Json.GetProperty("message").GetString());
            Assert.DoesNotContain("Exception", failed.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("injected outbox failure", failed.Body, StringComparison.Ordinal);
        }
    }
}
