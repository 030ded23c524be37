using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireAuth.Cart.Api;

/// <summary>Every error Cart.Api's endpoints answer, as <c>{"message","code"}</c>.</summary>
internal static class CartErrors
{
    public static JsonHttpResult<ApiError> Validation(string message) => ApiError.Validation(message).ToResult(StatusCodes.Status400BadRequest);

    public static JsonHttpResult<ApiError> ProductNotFound() =>
        new ApiError("Product not found", "PRODUCT_NOT_FOUND").ToResult(StatusCodes.Status404NotFound);

    public static JsonHttpResult<ApiError> CartLineLimit() =>
        new ApiError($"A cart holds at most {CartLimits.MaxLines} different products", "CART_LINE_LIMIT").ToResult(StatusCodes.Status400BadRequest);

    /// <summary>401, so the client reads its session again: it now belongs to the account the guest signed up or in as.</summary>
    public static JsonHttpResult<ApiError> GuestAlreadyLinked() =>
        new ApiError("This guest is now linked to an account and its cart has moved there; read the session again", "GUEST_ALREADY_LINKED")
            .ToResult(StatusCodes.Status401Unauthorized);
}
