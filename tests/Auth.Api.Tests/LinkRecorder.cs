using System.Collections.Concurrent;
using AspireAuth.Auth.Api.Anonymous;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Remembers every link it is told about, whether used as the <c>OnLinkAccount</c> option or registered as a handler.</summary>
internal sealed class LinkRecorder : IAnonymousLinkHandler
{
    private readonly ConcurrentQueue<LinkAccountContext> _links = new();

    public IReadOnlyList<LinkAccountContext> Links => [.. _links];

    public Task RecordAsync(LinkAccountContext context, CancellationToken cancellationToken)
    {
        _links.Enqueue(context);
        return Task.CompletedTask;
    }

    public Task OnLinkAccountAsync(LinkAccountContext context, CancellationToken cancellationToken) => RecordAsync(context, cancellationToken);
}
