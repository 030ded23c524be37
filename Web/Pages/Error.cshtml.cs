using System.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Pages;

[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public bool IsNotFound { get; private set; }

    /// <summary>Quoted to support staff; it finds the request's trace in the dashboard.</summary>
    public string? TraceId { get; private set; }

    public void OnGet(int? statusCode) => Describe(statusCode);

    public void OnPost(int? statusCode) => Describe(statusCode);

    private void Describe(int? statusCode)
    {
        IsNotFound = statusCode == StatusCodes.Status404NotFound;
        TraceId = Activity.Current?.TraceId.ToString() ?? HttpContext.TraceIdentifier;
    }
}
