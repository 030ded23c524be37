using System.ComponentModel.DataAnnotations;

namespace AspireAuth.ServiceDefaults.Admin;

/// <summary>
/// Bound from <c>Admin</c>: the operator endpoints' own port and the secret they demand. Without a port the admin
/// endpoints are not mapped at all; the AppHost sets both (an internal <c>admin</c> endpoint and the generated
/// <c>admin-secret</c> parameter).
/// </summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string SectionName = "Admin";

    /// <summary>The port (a listening address of this process) on which, and only on which, the admin endpoints answer.</summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The bearer token an admin request must carry.</summary>
    public string? Secret { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Port is not null && Secret is not { Length: >= 32 })
        {
            yield return new ValidationResult("Admin:Secret must be at least 32 characters when Admin:Port is set", [nameof(Secret)]);
        }
    }
}
