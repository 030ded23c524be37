using System.ComponentModel.DataAnnotations;

namespace AspireAuth.Web.Backends;

/// <summary>Bound from <c>Web</c>.</summary>
public sealed class StorefrontOptions
{
    public const string SectionName = "Web";

    /// <summary>
    /// The origin browsers open the store at (the AppHost sets it from Web's endpoint). Web sends it as the
    /// <c>Origin</c> of its calls to Auth.Api, which trusts it and bases its cookies on it: never an origin
    /// built from the request's Host header, which the client chooses.
    /// </summary>
    [Required]
    public Uri? PublicOrigin { get; set; }

    /// <summary><see cref="PublicOrigin"/> as a browser writes it in <c>Origin</c>: scheme, host and port, no path.</summary>
    public string Origin => PublicOrigin!.GetLeftPart(UriPartial.Authority);

    public static bool IsValid(StorefrontOptions options) =>
        options.PublicOrigin is { IsAbsoluteUri: true } origin && (origin.Scheme == Uri.UriSchemeHttp || origin.Scheme == Uri.UriSchemeHttps);
}
