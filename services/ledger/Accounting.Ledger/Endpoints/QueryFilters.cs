using System.Globalization;
using FluentValidation;
using FluentValidation.Results;

namespace Accounting.Ledger.Endpoints;

/// <summary>
/// Reads a list endpoint's filters (contract §1): unknown parameters and unknown values are a
/// 422 naming the parameter, never silently ignored.
/// </summary>
internal sealed class QueryFilters
{
    private readonly IQueryCollection query;
    private readonly List<ValidationFailure> failures = [];

    public QueryFilters(HttpRequest request, params string[] known)
    {
        query = request.Query;
        foreach (var name in query.Keys.Where(name => name is not ("limit" or "offset") && !known.Contains(name, StringComparer.Ordinal)))
        {
            failures.Add(new ValidationFailure(name, known.Length == 0
                ? $"'{name}' is not a filter of this list; it has none."
                : $"'{name}' is not a filter of this list. Filters: {string.Join(", ", known)}."));
        }
    }

    public string? OneOf(string name, params string[] allowed)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        var value = raw.ToString();
        if (allowed.Contains(value, StringComparer.Ordinal))
        {
            return value;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be one of: {string.Join(", ", allowed)}."));
        return null;
    }

    public DateOnly? Date(string name)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        if (DateOnly.TryParseExact(raw.ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be a date in the form YYYY-MM-DD."));
        return null;
    }

    public bool? Boolean(string name) => OneOf(name, "true", "false") switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };

    public string? Id(string name, string prefix)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        var value = raw.ToString();
        if (value.StartsWith(prefix + "_", StringComparison.Ordinal) && value.Length <= 64)
        {
            return value;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be an id starting with {prefix}_."));
        return null;
    }

    public long? WholeNumber(string name, long min, long max)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        if (long.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        failures.Add(new ValidationFailure(name, max == long.MaxValue
            ? $"{name} must be a whole number of at least {min}."
            : $"{name} must be a whole number between {min} and {max}."));
        return null;
    }

    /// <summary>Throws the 422 (answered by the error middleware) when any filter was wrong.</summary>
    public void ThrowIfInvalid()
    {
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }
    }
}
