using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.Endpoints;

public sealed record CreateOrganisationRequest(string? Name);

public sealed class CreateOrganisationValidator : AbstractValidator<CreateOrganisationRequest>
{
    public CreateOrganisationValidator() => RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
}

public static class OrganisationEndpoints
{
    public static IEndpointRouteBuilder MapOrganisationEndpoints(this IEndpointRouteBuilder app)
    {
        var organisations = app.MapGroup("/api/v1/organisations").RequireUser();
        organisations.MapGet("/", List);
        organisations.MapPost("/", Create).Validate<CreateOrganisationRequest>();
        return app;
    }

    private static async Task<IResult> List(Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var memberships = (await connection.QueryAsync<MembershipView>(new CommandDefinition(
            """
            SELECT o.id, o.name, o.plan, m.role, o.created_at FROM memberships m JOIN organisations o ON o.id = m.organisation_id
            WHERE m.user_id = @PrincipalId ORDER BY o.created_at DESC, o.id LIMIT @Limit OFFSET @Offset
            """,
            new { caller.PrincipalId, page.Limit, page.Offset }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM memberships WHERE user_id = @PrincipalId", new { caller.PrincipalId }, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(memberships, page, total));
    }

    private static async Task<IResult> Create(
        CreateOrganisationRequest request, Caller caller, WriteTransactions transactions, IOptions<AuthOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        // The user's row is the lock that serialises concurrent creations against the quota.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM users WHERE id = @PrincipalId FOR UPDATE", new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        var owned = await write.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM memberships WHERE user_id = @PrincipalId AND role = 'owner'",
            new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        if (owned >= options.Value.MaxOwnedOrganisations)
        {
            return ApiError.LimitReached(
                "organisation_limit_reached", $"You already own {owned} organisations, the most allowed. Transfer or close one first.");
        }

        var organisation = await Organisations.CreateAsync(write.Transaction, request.Name!.Trim(), caller.PrincipalId, clock.GetUtcNow(), cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/organisations/{organisation.Id}", new MembershipView(organisation.Id, organisation.Name, organisation.Plan, "owner", organisation.CreatedAt));
    }
}
