using System.Globalization;
using Accounting.ServiceDefaults.Http;

namespace Accounting.Auth.RequestLog;

/// <summary>A status filter: one code (<c>404</c>) or a class (<c>4xx</c>), as the codes in [From, To).</summary>
public sealed record StatusRange(int From, int To)
{
    public static StatusRange? Read(QueryFilters filters, HttpRequest request)
    {
        if (!request.Query.TryGetValue("status", out var raw))
        {
            return null;
        }

        var value = raw.ToString();
        if (value.Length == 3 && value[0] is >= '1' and <= '5' && value.EndsWith("xx", StringComparison.Ordinal))
        {
            var hundreds = (value[0] - '0') * 100;
            return new StatusRange(hundreds, hundreds + 100);
        }

        if (value.Length == 3 && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599)
        {
            return new StatusRange(code, code + 1);
        }

        filters.Fail("status", "status must be an HTTP status code such as 404, or a class: 1xx, 2xx, 3xx, 4xx or 5xx.");
        return null;
    }
}

/// <summary>What a request-log list asks for, already validated; always inside one organisation.</summary>
public sealed record RequestLogQuery(
    string OrganisationId, string? ApiKeyId, StatusRange? Status, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset RetainedSince)
{
    /// <summary>
    /// Only the conditions asked for, so each shape of query gets a plan that uses its index
    /// (organisation and time, or organisation, key and time) rather than one generic plan.
    /// </summary>
    public string Where()
    {
        List<string> conditions = ["organisation_id = @OrganisationId", "created_at >= @RetainedSince"];
        if (ApiKeyId is not null)
        {
            conditions.Add("api_key_id = @ApiKeyId");
        }

        if (Status is not null)
        {
            conditions.Add("status >= @StatusFrom AND status < @StatusTo");
        }

        if (From is not null)
        {
            conditions.Add("created_at >= @From");
        }

        if (To is not null)
        {
            conditions.Add("created_at <= @To");
        }

        return string.Join(" AND ", conditions);
    }

    public object Parameters(PageRequest page) => new
    {
        OrganisationId,
        ApiKeyId,
        StatusFrom = Status?.From,
        StatusTo = Status?.To,
        From,
        To,
        RetainedSince,
        page.Limit,
        page.Offset,
    };
}
