namespace AspireAuth.AppHost.Tests;

[CollectionDefinition(Name)]
public sealed class AspireAppCollection : ICollectionFixture<AspireAppFixture>
{
    public const string Name = "AspireApp";
}
