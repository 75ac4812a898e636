using System.Globalization;
using Accounting.ServiceDefaults;
using FluentValidation.Results;
using FluentValidation;

namespace Accounting.Reports.Reports;

/// <summary>
/// Reads a report's query parameters (contract §1, §2): unknown parameters, malformed dates,
/// reversed or over-long ranges and unknown currencies are a 422 naming the parameter.
/// </summary>
internal sealed class ReportQuery
{
    public const int MaxYears = 10;

    private readonly IQueryCollection query;
    private readonly List<ValidationFailure> failures = [];

    public ReportQuery(HttpRequest request, params string[] known)
    {
        query = request.Query;
        foreach (var name in query.Keys.Where(name => !known.Contains(name, StringComparer.Ordinal)))
        {
            failures.Add(new ValidationFailure(name, $"'{name}' is not a parameter of this report. Parameters: {string.Join(", ", known)}."));
        }
    }

    public DateOnly? Date(string name, bool required = false)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            if (required)
            {
                failures.Add(new ValidationFailure(name, $"{name} is required (YYYY-MM-DD)."));
            }

            return null;
        }

        if (DateOnly.TryParseExact(raw.ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be a date in the form YYYY-MM-DD."));
        return null;
    }

    /// <summary><c>from</c> and <c>to</c>, in order and at most ten years apart.</summary>
    public (DateOnly? From, DateOnly? To) Range(bool required)
    {
        var from = Date("from", required);
        var to = Date("to", required);
        if (from is { } start && to is { } end)
        {
            if (start > end)
            {
                failures.Add(new ValidationFailure("from", "from must be on or before to."));
            }
            else if (end >= start.AddYears(MaxYears))
            {
                failures.Add(new ValidationFailure("to", $"A report covers at most {MaxYears} years."));
            }
        }

        return (from, to);
    }

    public string? Currency()
    {
        if (!query.TryGetValue("currency", out var raw))
        {
            return null;
        }

        var currency = raw.ToString();
        if (Currencies.IsKnown(currency))
        {
            return currency;
        }

        failures.Add(new ValidationFailure("currency", "currency must be an ISO 4217 code the ledger accepts, e.g. GBP."));
        return null;
    }

    public string? Id(string name, string prefix)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            failures.Add(new ValidationFailure(name, $"{name} is required."));
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

    /// <summary>Throws the 422 (answered by the error middleware) when any parameter was wrong.</summary>
    public void ThrowIfInvalid()
    {
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }
    }
}
