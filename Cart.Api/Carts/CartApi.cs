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
        cart.MapGet("/merge-status", GetMergeStatus);
        return app;
    }

    private static Task<SerializedJson<CartResponse>> GetCart(ClaimsPrincipal user, ICartReader carts) =>
        carts.GetAsync(user.GetUserId());

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> AddItem(
        AddCartItemRequest request, ClaimsPrincipal user, CartStore carts, ICartReader reader, CancellationToken cancellationToken)
    {
        if (request.ProductId is not { } productId)
        {
            return Errors.Validation("[body.productId] Invalid input: expected number, received undefined");
        }

        if (request.Quantity is not { } quantity || quantity is < 1 or > Data.ShoppingCart.MaxQuantity)
        {
            return Errors.Validation($"[body.quantity] Must be a whole number from 1 to {Data.ShoppingCart.MaxQuantity}");
        }

        return await Respond(await carts.AddAsync(user.CartOwner(), productId, quantity, cancellationToken), user, reader);
    }

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> SetQuantity(
        int productId, SetCartItemQuantityRequest request, ClaimsPrincipal user, CartStore carts, ICartReader reader, CancellationToken cancellationToken)
    {
        if (request.Quantity is not { } quantity || quantity is < 0 or > Data.ShoppingCart.MaxQuantity)
        {
            return Errors.Validation($"[body.quantity] Must be a whole number from 0 to {Data.ShoppingCart.MaxQuantity}");
        }

        return await Respond(await carts.SetQuantityAsync(user.CartOwner(), productId, quantity, cancellationToken), user, reader);
    }

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> RemoveItem(
        int productId, ClaimsPrincipal user, CartStore carts, ICartReader reader, CancellationToken cancellationToken) =>
        await Respond(await carts.RemoveAsync(user.CartOwner(), productId, cancellationToken), user, reader);

    private static async Task<Results<NoContent, JsonHttpResult<ApiError>>> ClearCart(ClaimsPrincipal user, CartStore carts, CancellationToken cancellationToken) =>
        await carts.ClearAsync(user.CartOwner(), cancellationToken) == CartChangeOutcome.GuestAlreadyLinked
            ? Errors.GuestAlreadyLinked()
            : TypedResults.NoContent();

    /// <summary>
    /// Whether a guest's cart is still waiting to be merged after they signed up or in: the
    /// storefront shows "moving your cart" instead of a cart that fills in later. It tells only about the caller's own
    /// carts: pending until the guest's cart was taken over into the caller's, whatever another user's guest holds.
    /// </summary>
    private static async Task<Results<Ok<MergeStatusResponse>, JsonHttpResult<ApiError>>> GetMergeStatus(
        string? from, ClaimsPrincipal user, CartStore carts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(from) || !SecureToken.IsWellFormed(from))
        {
            return Errors.Validation("[query.from] Expected the anonymous user id");
        }

        var userId = user.GetUserId();
        var pending = from != userId && !await carts.IsTakenOverIntoAsync(from, userId, cancellationToken);
        return TypedResults.Ok(new MergeStatusResponse(pending));
    }

    private static async Task<Results<SerializedJson<CartResponse>, JsonHttpResult<ApiError>>> Respond(
        CartChangeOutcome outcome, ClaimsPrincipal user, ICartReader carts) => outcome switch
        {
            CartChangeOutcome.ProductNotFound => Errors.ProductNotFound(),
            CartChangeOutcome.LineLimitReached => Errors.Error(StatusCodes.Status400BadRequest, "CART_LINE_LIMIT",
                $"A cart holds at most {Data.ShoppingCart.MaxLines} different products"),
            CartChangeOutcome.GuestAlreadyLinked => Errors.GuestAlreadyLinked(),
            _ => await carts.GetAsync(user.GetUserId()),
        };
}

internal static class Errors
{
    public static JsonHttpResult<ApiError> Error(int status, string code, string message) =>
        TypedResults.Json(new ApiError(message, code), ApiErrorJsonContext.Default.ApiError, statusCode: status);

    public static JsonHttpResult<ApiError> Validation(string message) => Error(StatusCodes.Status400BadRequest, "VALIDATION_ERROR", message);

    public static JsonHttpResult<ApiError> ProductNotFound() => Error(StatusCodes.Status404NotFound, "PRODUCT_NOT_FOUND", "Product not found");

    /// <summary>401, so the client reads its session again: it now belongs to the account the guest signed up or in as.</summary>
    public static JsonHttpResult<ApiError> GuestAlreadyLinked() => Error(StatusCodes.Status401Unauthorized, "GUEST_ALREADY_LINKED",
        "This guest is now linked to an account and its cart has moved there; read the session again");

    public static CartOwner CartOwner(this ClaimsPrincipal user) => new(user.GetUserId(), user.IsAnonymousUser());
}
