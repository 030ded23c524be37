using Microsoft.EntityFrameworkCore;

namespace AspireAuth.IdentityProvider.Clients;

/// <summary>OpenIddict's applications, authorizations and tokens, in memory: gone with the process, seeded again at start.</summary>
public sealed class TrailheadDbContext(DbContextOptions<TrailheadDbContext> options) : DbContext(options);
