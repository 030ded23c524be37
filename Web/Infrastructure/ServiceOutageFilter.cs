using AspireAuth.Web.Backends;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AspireAuth.Web.Infrastructure;

/// <summary>
/// A backend that is down never becomes an error page: the page renders with what it has, the layout
/// shows the outage banner, and the status is 503 (with <c>Retry-After</c>) so monitors and crawlers see the truth.
/// </summary>
internal sealed class ServiceOutageFilter(ServiceOutages outages) : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var executed = await next();
        if (executed.Exception is ServiceUnavailableException outage && !executed.ExceptionHandled)
        {
            outages.Report(outage);
            executed.ExceptionHandled = true;
            context.HttpContext.Response.Headers.RetryAfter = ServiceOutages.RetryAfterSeconds;
            executed.Result = new PageResult { StatusCode = StatusCodes.Status503ServiceUnavailable };
        }
    }
}
