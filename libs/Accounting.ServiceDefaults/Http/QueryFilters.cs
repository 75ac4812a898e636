using System.Globalization;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Http;

/// <summary>
/// Reads a list endpoint's filters (contract §1): unknown parameters and unknown values are a
/// 422 naming the parameter, never silently ignored.
/// </summary>
public sealed class QueryFilters
{
    private static readonly string[] Rfc3339Formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    private readonly IQueryCollection query;
    private readonly List<ValidationFailure> failures = [];

    public QueryFilters(HttpRequest request, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(request);
        query = request.Query;
        foreach (var name in query.Keys.Where(name => name is not ("limit" or "offset") && !known.Contains(name, StringComparer.Ordinal)))
        {
            failures.Add(new ValidationFailure(name, known.Length == 0
                ? $"'{name}' is not a filter of this list; it has none."
                : $"'{name}' is not a filter of this list. Filters: {string.Join(", ", known)}."));
        }
    }

    private QueryFilters(IQueryCollection query, IEnumerable<ValidationFailure> unknown)
    {
        this.query = query;
        failures.AddRange(unknown);
    }

    /// <summary>
    /// The parameters of an endpoint that is not a paginated list (a report): <c>limit</c> and
    /// <c>offset</c> are unknown there like any other name not in <paramref name="known"/>.
    /// </summary>
    public static QueryFilters Unpaged(HttpRequest request, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new QueryFilters(request.Query, request.Query.Keys
            .Where(name => !known.Contains(name, StringComparer.Ordinal))
            .Select(name => new ValidationFailure(name, $"'{name}' is not a parameter of this endpoint. Parameters: {string.Join(", ", known)}.")));
    }

    /// <summary>Records a failure when <paramref name="name"/> is absent; true when it is present.</summary>
    public bool Require(string name)
    {
        if (query.ContainsKey(name))
        {
            return true;
        }

        failures.Add(new ValidationFailure(name, $"{name} is required."));
        return false;
    }

    /// <summary>
    /// Two dates (YYYY-MM-DD) bounding a period, the first on or before the second and less than
    /// <paramref name="maxYears"/> years apart; with <paramref name="required"/>, both must be given.
    /// </summary>
    public (DateOnly? From, DateOnly? To) DateRange(string fromName, string toName, int maxYears, bool required = false)
    {
        var from = required && !Require(fromName) ? null : Date(fromName);
        var to = required && !Require(toName) ? null : Date(toName);
        if (from is { } start && to is { } end)
        {
            if (start > end)
            {
                failures.Add(new ValidationFailure(fromName, $"{fromName} must be on or before {toName}."));
            }
            else if (end >= start.AddYears(maxYears))
            {
                failures.Add(new ValidationFailure(toName, $"The period covers at most {maxYears} years."));
            }
        }

        return (from, to);
    }

    /// <summary>An ISO 4217 code of <see cref="Currencies"/>.</summary>
    public string? Currency(string name)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        var currency = raw.ToString();
        if (Currencies.IsKnown(currency))
        {
            return currency;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be an ISO 4217 code the ledger accepts, e.g. GBP."));
        return null;
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

    /// <summary>
    /// An RFC 3339 timestamp with its offset (<c>2026-01-15T10:30:00Z</c>), or a date standing for
    /// the first instant of that day in UTC, or its last when <paramref name="dateMeansEndOfDay"/>,
    /// so that <c>from=2026-01-15&amp;to=2026-01-15</c> is the whole day.
    /// </summary>
    public DateTimeOffset? Timestamp(string name, bool dateMeansEndOfDay = false)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        var value = raw.ToString();
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            // PostgreSQL keeps microseconds: the day's last instant is one microsecond before the next day.
            return dateMeansEndOfDay ? start.AddDays(1).AddTicks(-TimeSpan.TicksPerMicrosecond) : start;
        }

        if (HasOffset(value)
            && DateTimeOffset.TryParseExact(value, Rfc3339Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var timestamp))
        {
            return timestamp.ToUniversalTime();
        }

        failures.Add(new ValidationFailure(name, $"{name} must be an RFC 3339 timestamp such as 2026-01-15T10:30:00Z, or a date YYYY-MM-DD."));
        return null;
    }

    /// <summary>RFC 3339 requires the offset; <c>K</c> alone would also take a local time without one.</summary>
    private static bool HasOffset(string value) =>
        value.Length > 19 && (value[^1] is 'Z' or 'z' || (value.Length >= 25 && value[^6] is '+' or '-' && value[^3] == ':'));

    /// <summary>Adds a failure found by the caller (a value that parsed but does not fit), reported with the others.</summary>
    public void Fail(string name, string message) => failures.Add(new ValidationFailure(name, message));

    public bool? Boolean(string name) => OneOf(name, "true", "false") switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };

    /// <summary>A plain decimal number (<c>-100</c>, <c>12.50</c>): no exponent, no thousands separators.</summary>
    public decimal? Number(string name)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        if (decimal.TryParse(raw.ToString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be a number, e.g. -100 or 12.50."));
        return null;
    }

    /// <summary>Free text, at most <paramref name="maxLength"/> characters.</summary>
    public string? Text(string name, int maxLength)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return null;
        }

        var value = raw.ToString();
        if (value.Length is > 0 and var length && length <= maxLength)
        {
            return value;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be between 1 and {maxLength} characters."));
        return null;
    }

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
