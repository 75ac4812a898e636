using Accounting.Ledger.Chart;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Endpoints;

public sealed record CreateAccountRequest(string? Code, string? Name, string? Type, string? Subtype = null);

public sealed record UpdateAccountRequest(string? Code = null, string? Name = null, string? Type = null, string? Subtype = null, bool? Archived = null);

public sealed record AccountView(
    string Id, string Code, string Name, string Type, string? Subtype, bool Archived, string? SystemRole, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal static class AccountRules
{
    public static readonly string[] Types = ["asset", "liability", "equity", "income", "expense"];

    public static IRuleBuilderOptions<T, string?> AccountCode<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches("^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$").WithMessage("code must be 1 to 20 letters, digits, dots or dashes.");

    public static IRuleBuilderOptions<T, string?> AccountType<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(type => type is null || Types.Contains(type, StringComparer.Ordinal)).WithMessage($"type must be one of: {string.Join(", ", Types)}.");
}

public sealed class CreateAccountValidator : AbstractValidator<CreateAccountRequest>
{
    public CreateAccountValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Code).NotEmpty().AccountCode();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(150);
        RuleFor(r => r.Type).NotEmpty().AccountType();
        RuleFor(r => r.Subtype).MaximumLength(50);
    }
}

public sealed class UpdateAccountValidator : AbstractValidator<UpdateAccountRequest>
{
    public UpdateAccountValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Code).AccountCode().When(r => r.Code is not null);
        RuleFor(r => r.Name).NotEmpty().MaximumLength(150).When(r => r.Name is not null);
        RuleFor(r => r.Type).AccountType();
        RuleFor(r => r.Subtype).MaximumLength(50);
    }
}

/// <summary>The chart of accounts (contract §5). Listed in code order, as a chart is read.</summary>
public static class AccountEndpoints
{
    private const string Columns = "id, code, name, type, subtype, archived, system_role, created_at, updated_at";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/v1/accounts");
        accounts.MapGet("/", List).RequireScope("accounts:read").WithName("listAccounts");
        accounts.MapPost("/", Create).RequireScope("accounts:write").Validate<CreateAccountRequest>().WithName("createAccount");
        accounts.MapGet("/{id}", Get).RequireScope("accounts:read").WithName("getAccount");
        accounts.MapPatch("/{id}", Update).RequireScope("accounts:write").Validate<UpdateAccountRequest>().WithName("updateAccount")
            .ProducesError(409, "Another account has the code, or a system or posted account cannot be changed that way.");
        return app;
    }

    private static async Task<Ok<Page<AccountView>>> List(HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, "type", "archived");
        var type = filters.OneOf("type", AccountRules.Types);
        var archived = filters.Boolean("archived");
        filters.ThrowIfInvalid();

        const string Where = "organisation_id = @OrganisationId AND (@Type::text IS NULL OR type = @Type) AND (@Archived::boolean IS NULL OR archived = @Archived)";
        var parameters = new { caller.OrganisationId, Type = type, Archived = archived, page.Limit, page.Offset };
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var accounts = (await connection.QueryAsync<AccountView>(new CommandDefinition(
            $"SELECT {Columns} FROM accounts WHERE {Where} ORDER BY code, id LIMIT @Limit OFFSET @Offset", parameters, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM accounts WHERE {Where}", parameters, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(accounts, page, total));
    }

    private static async Task<Results<Created<AccountView>, ApiError>> Create(CreateAccountRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var account = await InsertAsync(
            write.Transaction, writes.Caller.OrganisationId, new CreateAccountRequest(request.Code!.Trim(), request.Name!.Trim(), request.Type, request.Subtype), writes.Clock,
            cancellationToken);
        if (account is null)
        {
            return ApiError.Conflict($"An account with code {request.Code} already exists in this organisation.");
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/accounts/{account.Id}", account);
    }

    /// <summary>
    /// Adds an account to the chart (the one place accounts are created, bank accounts' included);
    /// null when the code is taken.
    /// </summary>
    public static async Task<AccountView?> InsertAsync(
        NpgsqlTransaction transaction, string organisationId, CreateAccountRequest account, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(clock);
        await DefaultChart.EnsureOrganisationAsync(transaction, organisationId, cancellationToken);
        return await transaction.Connection!.QuerySingleOrDefaultAsync<AccountView>(new CommandDefinition(
            $"""
            INSERT INTO accounts (id, organisation_id, code, name, type, subtype, created_at, updated_at)
            VALUES (@Id, @OrganisationId, @Code, @Name, @Type, @Subtype, @Now, @Now)
            ON CONFLICT (organisation_id, code) DO NOTHING
            RETURNING {Columns}
            """,
            new { Id = Ids.New("acc"), OrganisationId = organisationId, account.Code, account.Name, account.Type, account.Subtype, Now = clock.GetUtcNow() },
            transaction, cancellationToken: cancellationToken));
    }

    private static async Task<Results<Ok<AccountView>, ApiError>> Get(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var account = await connection.QuerySingleOrDefaultAsync<AccountView>(new CommandDefinition(
            $"SELECT {Columns} FROM accounts WHERE id = @Id AND organisation_id = @OrganisationId", new { Id = id, caller.OrganisationId }, cancellationToken: cancellationToken));
        return account is null ? ApiError.NotFound("No such account in this organisation.") : TypedResults.Ok(account);
    }

    private static async Task<Results<Ok<AccountView>, ApiError>> Update(string id, UpdateAccountRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        var caller = writes.Caller;
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var current = await write.Connection.QuerySingleOrDefaultAsync<AccountView>(new CommandDefinition(
            $"SELECT {Columns} FROM accounts WHERE id = @Id AND organisation_id = @OrganisationId FOR UPDATE",
            new { Id = id, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (current is null)
        {
            return ApiError.NotFound("No such account in this organisation.");
        }

        if (request.Archived == true && current.SystemRole is not null)
        {
            return ApiError.Conflict($"Account {current.Code} is the ledger's {current.SystemRole} account and cannot be archived.");
        }

        if (request.Type is not null && request.Type != current.Type)
        {
            var used = await write.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM journal_lines WHERE organisation_id = @OrganisationId AND account_id = @Id)",
                new { Id = id, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
            if (used || current.SystemRole is not null)
            {
                return ApiError.Conflict($"Account {current.Code} has postings or is a ledger account; its type cannot change. Create a new account instead.");
            }
        }

        var updated = await RenameAsync(write, id, request, current, caller, writes.Clock, cancellationToken);
        if (updated is null)
        {
            return ApiError.Conflict($"An account with code {request.Code} already exists in this organisation.");
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(updated);
    }

    /// <summary>Null when the new code is taken, whether found by the check or, in a race, by the unique index.</summary>
    private static async Task<AccountView?> RenameAsync(
        WriteTransaction write, string id, UpdateAccountRequest request, AccountView current, Caller caller, TimeProvider clock, CancellationToken cancellationToken)
    {
        try
        {
            return await write.Connection.QuerySingleOrDefaultAsync<AccountView>(new CommandDefinition(
                $"""
                UPDATE accounts SET code = @Code, name = @Name, type = @Type, subtype = @Subtype, archived = @Archived, updated_at = @Now
                WHERE id = @Id AND organisation_id = @OrganisationId
                  AND NOT EXISTS (SELECT 1 FROM accounts other WHERE other.organisation_id = @OrganisationId AND other.code = @Code AND other.id <> @Id)
                RETURNING {Columns}
                """,
                new
                {
                    Id = id,
                    caller.OrganisationId,
                    Code = request.Code?.Trim() ?? current.Code,
                    Name = request.Name?.Trim() ?? current.Name,
                    Type = request.Type ?? current.Type,
                    Subtype = request.Subtype ?? current.Subtype,
                    Archived = request.Archived ?? current.Archived,
                    Now = clock.GetUtcNow(),
                },
                write.Transaction, cancellationToken: cancellationToken));
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null;
        }
    }
}
