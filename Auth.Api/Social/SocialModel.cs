using AspireAuth.Auth.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace AspireAuth.Auth.Api.Social;

/// <summary>Social sign-in's part of <see cref="AuthDbContext"/>: OpenIddict's tables, of which the client uses the tokens (its states).</summary>
internal sealed class SocialModel : IAuthModelContribution
{
    public static readonly SocialModel Instance = new();

    private SocialModel()
    {
    }

    public string Name => "social";

    public void Configure(ModelBuilder modelBuilder) => modelBuilder.UseOpenIddict();
}
