using System.Net;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Npgsql;

namespace Accounting.Auth.RequestLog;

/// <summary>One request as the gateway answered it.</summary>
public sealed record LoggedRequest(
    string? RequestId, string? OrganisationId, string? Method, string? Path, int Status, double DurationMs,
    string? ApiKeyId, string? UserId, string? Ip, string? UserAgent, DateTimeOffset CreatedAt);

public sealed record RequestLogBatch(IReadOnlyList<LoggedRequest>? Entries);

/// <summary>
/// The bounds the gateway truncates to before it ships, checked again here so the table's rows
/// stay bounded whoever calls. A batch that breaks them is refused whole: only a gateway of
/// another version could send it, and it retries, then drops and counts it.
/// </summary>
public sealed class RequestLogBatchValidator : AbstractValidator<RequestLogBatch>
{
    public const int MaxEntries = 5_000;
    public const int MaxPathLength = 2_048;
    public const int MaxUserAgentLength = 512;

    public RequestLogBatchValidator()
    {
        RuleFor(b => b.Entries).NotNull().Must(entries => entries!.Count <= MaxEntries)
            .WithMessage($"entries holds at most {MaxEntries} requests.");
        RuleForEach(b => b.Entries).ChildRules(entry =>
        {
            entry.RuleFor(e => e.RequestId).NotEmpty().MaximumLength(64);
            entry.RuleFor(e => e.OrganisationId).NotEmpty().MaximumLength(64);
            entry.RuleFor(e => e.Method).NotEmpty().MaximumLength(32);
            entry.RuleFor(e => e.Path).NotEmpty().MaximumLength(MaxPathLength);
            entry.RuleFor(e => e.Status).InclusiveBetween(100, 599);
            entry.RuleFor(e => e.DurationMs).GreaterThanOrEqualTo(0);
            entry.RuleFor(e => e.ApiKeyId).MaximumLength(64);
            entry.RuleFor(e => e.UserId).MaximumLength(64);
            entry.RuleFor(e => e.Ip).Must(ip => ip is null || IPAddress.TryParse(ip, out _)).WithMessage("ip must be an IP address.");
            entry.RuleFor(e => e.UserAgent).MaximumLength(MaxUserAgentLength);
        });
    }
}

/// <summary>Stores a gateway's batch with one multi-row insert: one array parameter per column, unnested.</summary>
public static class RequestLogWriter
{
    public static async Task<int> InsertAsync(NpgsqlDataSource db, IReadOnlyList<LoggedRequest> entries, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO request_log (organisation_id, created_at, request_id, method, path, status, duration_ms, api_key_id, user_id, ip, user_agent)
            SELECT * FROM unnest(@OrganisationIds, @CreatedAts, @RequestIds, @Methods, @Paths, @Statuses, @Durations, @ApiKeyIds, @UserIds, @Ips::inet[], @UserAgents)
            """,
            new
            {
                OrganisationIds = entries.Select(e => e.OrganisationId).ToArray(),
                CreatedAts = entries.Select(e => e.CreatedAt.ToUniversalTime()).ToArray(),
                RequestIds = entries.Select(e => e.RequestId).ToArray(),
                Methods = entries.Select(e => e.Method).ToArray(),
                Paths = entries.Select(e => Text(e.Path)).ToArray(),
                Statuses = entries.Select(e => e.Status).ToArray(),
                Durations = entries.Select(e => e.DurationMs).ToArray(),
                ApiKeyIds = entries.Select(e => e.ApiKeyId).ToArray(),
                UserIds = entries.Select(e => e.UserId).ToArray(),
                Ips = entries.Select(e => e.Ip).ToArray(),
                UserAgents = entries.Select(e => Text(e.UserAgent)).ToArray(),
            },
            cancellationToken: cancellationToken));
    }

    /// <summary>PostgreSQL text cannot hold NUL, which a decoded path may carry; one such request must not sink its batch.</summary>
    private static string? Text(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal)
        ? value.Replace("\0", "", StringComparison.Ordinal)
        : value;
}
