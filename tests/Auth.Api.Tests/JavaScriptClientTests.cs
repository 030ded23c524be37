using System.Text.Json;
using AspireAuth.TestSupport;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Better Auth's own JavaScript client (npm <c>better-auth</c>, <c>tests/js-client</c>) against a
/// real Auth.Api server: the proof that the wire protocol is Better Auth's.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class JavaScriptClientTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task The_better_auth_client_signs_in_anonymously_links_by_signing_up_and_signs_out()
    {
        var app = fixture.CreateApp();
        var baseAddress = AuthApiFixture.ServeOnLoopback(app);

        var (exitCode, output) = await NodeScript.RunAsync("anonymous-link.mjs", baseAddress);

        Assert.True(exitCode == 0, $"anonymous-link.mjs exited with {exitCode}:\n{output}");
        var ids = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        var anonymousUserId = ids.GetProperty("anonymousUserId").GetString()!;
        var newUserId = ids.GetProperty("newUserId").GetString()!;
        Assert.False(await fixture.UserExistsAsync(anonymousUserId));
        Assert.Equal(newUserId, await fixture.LinkedUserIdAsync(anonymousUserId));
        Assert.Equal(1L, await fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymousUserId));
    }
}
