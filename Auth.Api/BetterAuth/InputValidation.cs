using System.Text.RegularExpressions;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// Collects field problems and reports them in Better Auth's (zod's) words, e.g.
/// <c>[body.name] Invalid input: expected string, received undefined</c>.
/// </summary>
internal sealed partial class InputValidation
{
    public const int MaxNameLength = 255;
    public const int MaxEmailLength = 254;
    public const int MaxUrlLength = 2048;

    private readonly List<string> _problems = [];

    public bool IsValid => _problems.Count == 0;

    public string Message => string.Join("; ", _problems);

    public InputValidation RequiredText(string field, string? value, int maxLength)
    {
        if (value is null)
        {
            _problems.Add($"[body.{field}] Invalid input: expected string, received undefined");
        }
        else
        {
            OptionalText(field, value, maxLength);
        }

        return this;
    }

    public InputValidation OptionalText(string field, string? value, int maxLength)
    {
        if (value is null)
        {
            return this;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            _problems.Add($"[body.{field}] Invalid input: must not contain null characters");
        }
        else if (value.Length > maxLength)
        {
            _problems.Add($"[body.{field}] Too big: expected string to have <={maxLength} characters");
        }

        return this;
    }

    public InputValidation RequiredEmail(string field, string? value)
    {
        RequiredText(field, value, MaxEmailLength);
        if (IsValid && !IsEmail(value!))
        {
            _problems.Add($"[body.{field}] Invalid email address");
        }

        return this;
    }

    public static bool IsEmail(string value) => value.Length <= MaxEmailLength && EmailPattern().IsMatch(value);

    // zod's e-mail rule, which Better Auth applies.
    [GeneratedRegex(@"^(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-\.]*[A-Za-z0-9_+\-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();
}
