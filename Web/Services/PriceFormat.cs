using System.Globalization;

namespace AspireAuth.Web.Services;

public static class PriceFormat
{
    /// <summary>US-dollar amounts; the app runs with invariant globalization, so no culture data is needed.</summary>
    public static string Dollars(decimal amount) => "$" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
