using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace AspireAuth.Web.Infrastructure;

/// <summary>One-time messages that survive the redirect after a form post (post/redirect/get).</summary>
public static class Flash
{
    public const string SuccessKey = "Flash.Success";
    public const string ProblemKey = "Flash.Problem";

    public static void ShowSuccess(this ITempDataDictionary tempData, string message) => tempData[SuccessKey] = message;

    public static void ShowProblem(this ITempDataDictionary tempData, string message) => tempData[ProblemKey] = message;
}
