using System.Globalization;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http;

namespace Accounting.ServiceDefaults.Http;

/// <summary>
/// <c>?limit=&amp;offset=</c> of contract §1. Bound straight from the query: a handler declares
/// <c>PageRequest page</c>. Out-of-range values are a 422, never silently clamped.
/// </summary>
public sealed record PageRequest(int Limit, int Offset)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public static ValueTask<PageRequest?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failures = new List<ValidationFailure>();
        var limit = Parse(context.Request.Query, "limit", DefaultLimit, failures);
        var offset = Parse(context.Request.Query, "offset", 0, failures);
        if (limit is < 1 or > MaxLimit && failures.Count == 0)
        {
            failures.Add(new ValidationFailure("limit", $"limit must be between 1 and {MaxLimit}."));
        }

        if (offset < 0)
        {
            failures.Add(new ValidationFailure("offset", "offset must be zero or more."));
        }

        return failures.Count > 0
            ? throw new ValidationException(failures)
            : ValueTask.FromResult<PageRequest?>(new PageRequest(limit, offset));
    }

    private static int Parse(IQueryCollection query, string name, int fallback, List<ValidationFailure> failures)
    {
        if (!query.TryGetValue(name, out var raw))
        {
            return fallback;
        }

        if (int.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        failures.Add(new ValidationFailure(name, $"{name} must be a whole number."));
        return fallback;
    }
}

/// <summary>The list shape of contract §1, used by every list endpoint.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, Pagination Pagination);

public static class Page
{
    public static Page<T> Of<T>(IReadOnlyList<T> data, PageRequest request, long total)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(request);
        return new Page<T>(data, new Pagination(total, request.Limit, request.Offset, request.Offset + data.Count < total));
    }
}

public sealed record Pagination(long Total, int Limit, int Offset, bool HasMore);
