using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Auth.Endpoints;

public sealed record CreateOrganisationRequest(string? Name);

public sealed class CreateOrganisationValidator : AbstractValidator<CreateOrganisationRequest>
{
    public CreateOrganisationValidator() => RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
}

public sealed record OrganisationServices(WriteTransactions Transactions, IOptions<AuthOptions> Options, TimeProvider Clock);

public static class OrganisationEndpoints
{
    public static IEndpointRouteBuilder MapOrganisationEndpoints(this IEndpointRouteBuilder app)
    {
        var organisations = app.MapGroup("/api/v1/organisations").RequireUser();
        organisations.MapGet("/", List);
        organisations.MapPost("/", Create).Validate<CreateOrganisationRequest>();
        return app;
    }

    private static async Task<Ok<Page<MembershipView>>> List(Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
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

    private static async Task<Results<Created<MembershipView>, ApiError>> Create(
        CreateOrganisationRequest request, Caller caller, [AsParameters] OrganisationServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        // The user's row is the lock that serialises concurrent creations against the quota.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM users WHERE id = @PrincipalId FOR UPDATE", new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        var owned = await write.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM memberships WHERE user_id = @PrincipalId AND role = 'owner'",
            new { caller.PrincipalId }, write.Transaction, cancellationToken: cancellationToken));
        if (owned >= services.Options.Value.MaxOwnedOrganisations)
        {
            return ApiError.LimitReached(
                "organisation_limit_reached", $"You already own {owned} organisations, the most allowed. Transfer or close one first.");
        }

        var organisation = await Organisations.CreateAsync(write.Transaction, request.Name!.Trim(), caller.PrincipalId, services.Clock.GetUtcNow(), cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/organisations/{organisation.Id}", new MembershipView(organisation.Id, organisation.Name, organisation.Plan, "owner", organisation.CreatedAt));
    }
}
