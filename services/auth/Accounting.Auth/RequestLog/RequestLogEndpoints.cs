using Accounting.Auth.Endpoints;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.RequestLog;

public sealed record RequestLogEntryView(
    string RequestId, string Method, string Path, int Status, double DurationMs,
    string? ApiKeyId, string? UserId, string? Ip, string? UserAgent, DateTimeOffset CreatedAt);

/// <summary>What a list handler needs, in one parameter.</summary>
public sealed record RequestLogServices(NpgsqlDataSource Db, IOptions<RequestLogOptions> Options, TimeProvider Clock);

/// <summary>
/// The API request log of contract §9: the requests the gateway answered for the caller's
/// organisation, newest first, for people who manage its keys (owner or admin). The gateway
/// writes it through the internal endpoint, in batches, off its request path.
/// </summary>
public static class RequestLogEndpoints
{
    private const string Columns =
        "request_id, method, path, status::int AS status, duration_ms, api_key_id, user_id, host(ip) AS ip, user_agent, created_at";

    public static WebApplicationBuilder AddRequestLog(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RequestLogOptions>().Bind(builder.Configuration.GetSection(RequestLogOptions.SectionName))
            .Validate(options => options.Retention > TimeSpan.Zero, "RequestLog:Retention must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RequestLogRetention>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RequestLogRetention>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRequestLogEndpoints(this IEndpointRouteBuilder app)
    {
        var log = app.MapGroup("/api/v1").RequireUser("owner", "admin");
        log.MapGet("/request-log", List).RequireScope("organisation:read").WithName("listRequestLog");
        log.MapGet("/api-keys/{id}/requests", ListForKey).RequireScope("organisation:read").WithName("listApiKeyRequests");

        app.MapInternalGroup("/internal/request-log").MapPost("/", Record).Validate<RequestLogBatch>().WithName("recordRequests");
        return app;
    }

    private static async Task<Ok<Page<RequestLogEntryView>>> List(
        HttpRequest request, Caller caller, PageRequest page, [AsParameters] RequestLogServices services, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "api_key_id", "status", "from", "to");
        var apiKeyId = filters.Id("api_key_id", "key");
        var query = Read(filters, request, caller, apiKeyId, services);
        await using var connection = await services.Db.OpenConnectionAsync(cancellationToken);
        if (apiKeyId is not null && !await KeyExistsAsync(connection, caller, apiKeyId, cancellationToken))
        {
            filters.Fail("api_key_id", "No API key with this id in this organisation.");
            filters.ThrowIfInvalid();
        }

        return TypedResults.Ok(await PageAsync(connection, query, page, cancellationToken));
    }

    private static async Task<Results<Ok<Page<RequestLogEntryView>>, ApiError>> ListForKey(
        string id, HttpRequest request, Caller caller, PageRequest page, [AsParameters] RequestLogServices services, CancellationToken cancellationToken)
    {
        var query = Read(new QueryFilters(request, "status", "from", "to"), request, caller, id, services);
        await using var connection = await services.Db.OpenConnectionAsync(cancellationToken);
        if (!await KeyExistsAsync(connection, caller, id, cancellationToken))
        {
            return ApiError.NotFound("No such API key in this organisation.");
        }

        return TypedResults.Ok(await PageAsync(connection, query, page, cancellationToken));
    }

    /// <summary>The gateways' batches; see <see cref="RequestLogWriter"/>.</summary>
    private static async Task<NoContent> Record(RequestLogBatch batch, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await RequestLogWriter.InsertAsync(db, batch.Entries!, cancellationToken);
        return TypedResults.NoContent();
    }

    private static RequestLogQuery Read(QueryFilters filters, HttpRequest request, Caller caller, string? apiKeyId, RequestLogServices services)
    {
        var status = StatusRange.Read(filters, request);
        var from = filters.Timestamp("from");
        var to = filters.Timestamp("to", dateMeansEndOfDay: true);
        if (from > to)
        {
            filters.Fail("to", "to must not be before from.");
        }

        filters.ThrowIfInvalid();
        // Entries past retention are hidden at once, not only when the hourly job has deleted them.
        var retainedSince = services.Clock.GetUtcNow() - services.Options.Value.Retention;
        return new RequestLogQuery(caller.OrganisationId, apiKeyId, status, from, to, retainedSince);
    }

    /// <summary>Revoked keys included: their past requests stay readable for the whole retention.</summary>
    private static Task<bool> KeyExistsAsync(NpgsqlConnection connection, Caller caller, string id, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = @Id AND organisation_id = @OrganisationId)",
            new { Id = id, caller.OrganisationId }, cancellationToken: cancellationToken));

    private static async Task<Page<RequestLogEntryView>> PageAsync(
        NpgsqlConnection connection, RequestLogQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var where = query.Where();
        var parameters = query.Parameters(page);
        var entries = (await connection.QueryAsync<RequestLogEntryView>(new CommandDefinition(
            $"SELECT {Columns} FROM request_log WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @Limit OFFSET @Offset",
            parameters, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM request_log WHERE {where}", parameters, cancellationToken: cancellationToken));
        return Page.Of(entries, page, total);
    }
}
