namespace AspireAuth.Browser.Tests;

[CollectionDefinition(Name)]
public sealed class StorefrontCollection : ICollectionFixture<AspireAppFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Storefront";
}
