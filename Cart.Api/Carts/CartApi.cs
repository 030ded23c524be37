using System.Security.Claims;
using AspireAuth.Caching;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireAuth.Cart.Api.Carts;

/// <summary>The caller's cart. Every route needs an Auth.Api session; a user sees and changes only their own cart.</summary>
internal static class CartApi
{
    private const int MaxBodyBytes = 4 * 1024;

    public static IEndpointRouteBuilder MapCartApi(this IEndpointRouteBuilder app)
    {
        var cart = app.MapGroup("/api/cart")
            .WithTags("Cart")
            .RequireAuthorization();

        cart.MapGet("/", GetCart);
        cart.MapPost("/items", AddItem).WithRequestBodyLimit(MaxBodyBytes);
        cart.MapPut("/items/{productId:int}", SetQuantity).WithRequestBodyLimit(MaxBodyBytes);
        cart.MapDelete("/items/{productId:int}", RemoveItem);
        cart.MapDelete("/", ClearCart);
        // The takeover's status; "merge-status" is the route's published name.
        cart.MapGet("/merge-status", GetTakeoverStatus);
        return app;
    }

    private static Task<SerializedJson<CartResponse>> GetCart(ClaimsPrincipal user, ICartReader carts) =>
        carts.GetAsync(user.GetUserId());

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> AddItem(
        AddCartItemRequest request, ClaimsPrincipal user, CartStore carts, ICartReader reader, CancellationToken cancellationToken)
    {
        if (request.ProductId is not { } productId)
        {
            return CartErrors.Validation("[body.productId] Invalid input: expected number, received undefined");
        }

        if (request.Quantity is not { } quantity || quantity is < 1 or > CartLimits.MaxQuantity)
        {
            return CartErrors.Validation($"[body.quantity] Must be a whole number from 1 to {CartLimits.MaxQuantity}");
        }

        return await Respond(await carts.AddAsync(user.CartOwner(), productId, quantity, cancellationToken), user, reader);
    }

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> SetQuantity(
        int productId, SetCartItemQuantityRequest request, ClaimsPrincipal user, CartStore carts, ICartReader reader, CancellationToken cancellationToken)
    {
        if (request.Quantity is not { } quantity || quantity is < 0 or > CartLimits.MaxQuantity)
        {
            return CartErrors.Validation($"[body.quantity] Must be a whole number from 0 to {CartLimits.MaxQuantity}");
        }

        return await Respond(await carts.SetQuantityAsync(user.CartOwner(), productId, quantity, cancellationToken), user, reader);
    }

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> RemoveItem(
        int productId, ClaimsPrincipal user, CartStore carts, ICartReader reader, CancellationToken cancellationToken) =>
        await Respond(await carts.RemoveAsync(user.CartOwner(), productId, cancellationToken), user, reader);

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> ClearCart(ClaimsPrincipal user, CartStore carts, CancellationToken cancellationToken) =>
        await carts.ClearAsync(user.CartOwner(), cancellationToken) == CartChangeOutcome.GuestAlreadyLinked
            ? CartErrors.GuestAlreadyLinked()
            : TypedResults.NoContent();

    /// <summary>
    /// Whether a guest's cart is still waiting to be taken over after they signed up or in: the
    /// storefront shows "moving your cart" instead of a cart that fills in later. It tells only about the caller's own
    /// carts: pending until the guest's cart was taken over into the caller's, whatever another user's guest holds.
    /// </summary>
    private static async Task<Results<Ok<TakeoverStatusResponse>, JsonHttpResult<ApiError>>> GetTakeoverStatus(
        string? from, ClaimsPrincipal user, CartStore carts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(from) || !SecureToken.IsWellFormed(from))
        {
            return CartErrors.Validation("[query.from] Expected the anonymous user id");
        }

        var userId = user.GetUserId();
        var pending = from != userId && !await carts.IsTakenOverIntoAsync(from, userId, cancellationToken);
        return TypedResults.Ok(new TakeoverStatusResponse(pending));
    }

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> Respond(
        CartChangeOutcome outcome, ClaimsPrincipal user, ICartReader carts) => outcome switch
        {
            CartChangeOutcome.ProductNotFound => CartErrors.ProductNotFound(),
            CartChangeOutcome.LineLimitReached => CartErrors.CartLineLimit(),
            CartChangeOutcome.GuestAlreadyLinked => CartErrors.GuestAlreadyLinked(),
            _ => await carts.GetAsync(user.GetUserId()),
        };

    private static CartOwner CartOwner(this ClaimsPrincipal user) => new(user.GetUserId(), user.IsAnonymousUser());
}
