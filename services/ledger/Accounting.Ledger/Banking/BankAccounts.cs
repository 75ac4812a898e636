using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Posting;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Dapper;
using FluentValidation;
using Npgsql;

namespace Accounting.Ledger.Banking;

public sealed record CreateBankAccountRequest(string? Name, string? Currency, string? SortCode = null, string? AccountNumberLast4 = null, string? LedgerAccountId = null);

/// <summary>Only the descriptive fields change; currency and ledger account are fixed once transactions may exist.</summary>
public sealed record UpdateBankAccountRequest(
    string? Name = null, string? SortCode = null, string? AccountNumberLast4 = null, string? Currency = null, string? LedgerAccountId = null);

public sealed record BankAccountView(
    string Id, string Name, string Currency, string? SortCode, string? AccountNumberLast4, string LedgerAccountId, decimal Balance, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A bank account as the code that posts to it needs it.</summary>
public sealed record BankAccount(string Id, string Name, string Currency, string LedgerAccountId);

internal static class BankAccountRules
{
    public static IRuleBuilderOptions<T, string?> SortCode<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches(@"^\d{2}-?\d{2}-?\d{2}$").WithMessage("sort_code must be six digits, e.g. 12-34-56.");

    public static IRuleBuilderOptions<T, string?> Last4<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches(@"^\d{4}$").WithMessage("account_number_last4 must be the last four digits of the account number.");

    /// <summary>Stored as UK banks print it: 12-34-56.</summary>
    public static string? Formatted(string? sortCode) =>
        sortCode?.Replace("-", "", StringComparison.Ordinal) is { } digits ? $"{digits[..2]}-{digits[2..4]}-{digits[4..]}" : null;
}

public sealed class CreateBankAccountValidator : AbstractValidator<CreateBankAccountRequest>
{
    public CreateBankAccountValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Name).NotEmpty().MaximumLength(150);
        RuleFor(r => r.Currency).Currency();
        RuleFor(r => r.SortCode).SortCode();
        RuleFor(r => r.AccountNumberLast4).Last4();
        RuleFor(r => r.LedgerAccountId).Matches("^acc_[A-Za-z0-9]{1,60}$").WithMessage("ledger_account_id must be an account id (acc_…).");
    }
}

public sealed class UpdateBankAccountValidator : AbstractValidator<UpdateBankAccountRequest>
{
    public UpdateBankAccountValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Name).NotEmpty().MaximumLength(150).When(r => r.Name is not null);
        RuleFor(r => r.SortCode).SortCode();
        RuleFor(r => r.AccountNumberLast4).Last4();
        RuleFor(r => r.Currency).Null().WithMessage("currency cannot change; create a new bank account instead.");
        RuleFor(r => r.LedgerAccountId).Null().WithMessage("ledger_account_id cannot change; create a new bank account instead.");
    }
}

/// <summary>Bank accounts (contract §5.1), each tied to an asset account of the chart.</summary>
public static class BankAccounts
{
    private const string Columns = """
        b.id, b.name, b.currency, b.sort_code, b.account_number_last4, b.ledger_account_id,
        coalesce((SELECT sum(t.amount) FROM bank_transactions t WHERE t.bank_account_id = b.id), 0) AS balance, b.created_at, b.updated_at
        """;

    // Bank accounts created without a ledger account get the first free code after 090, the default bank account's.
    private const int FirstBankCode = 91;

    public static async Task<Outcome<BankAccountView>> CreateAsync(
        NpgsqlTransaction transaction, string organisationId, CreateBankAccountRequest request, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(clock);
        var connection = transaction.Connection!;
        // One creation at a time per organisation: two may not claim the same ledger account or account code.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('ledger.bank-accounts:' || @OrganisationId, 0))",
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        var ledgerAccountId = request.LedgerAccountId;
        if (ledgerAccountId is not null)
        {
            var problem = await LedgerAccountProblemAsync(transaction, organisationId, ledgerAccountId, cancellationToken);
            if (problem is not null)
            {
                return ApiError.ValidationFailed("ledger_account_id", problem);
            }
        }
        else
        {
            var code = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                """
                SELECT lpad(n::text, 3, '0') FROM generate_series(@First, 99999) n
                WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE organisation_id = @OrganisationId AND code = lpad(n::text, 3, '0'))
                ORDER BY n LIMIT 1
                """,
                new { First = FirstBankCode, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
            var account = await AccountEndpoints.InsertAsync(
                transaction, organisationId, new CreateAccountRequest(code, request.Name!.Trim(), "asset", "bank"), clock, cancellationToken)
                ?? throw new InvalidOperationException($"Account code {code} was taken under the bank accounts lock.");
            ledgerAccountId = account.Id;
        }

        var now = clock.GetUtcNow();
        var id = Ids.New("ba");
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO bank_accounts (id, organisation_id, name, currency, sort_code, account_number_last4, ledger_account_id, created_at, updated_at)
            VALUES (@Id, @OrganisationId, @Name, @Currency, @SortCode, @Last4, @LedgerAccountId, @Now, @Now)
            """,
            new
            {
                Id = id, OrganisationId = organisationId, Name = request.Name!.Trim(), request.Currency, SortCode = BankAccountRules.Formatted(request.SortCode),
                Last4 = request.AccountNumberLast4, LedgerAccountId = ledgerAccountId, Now = now,
            },
            transaction, cancellationToken: cancellationToken));
        return (await LoadViewAsync(connection, organisationId, id, transaction, cancellationToken))!;
    }

    public static async Task<BankAccountView?> UpdateAsync(
        NpgsqlTransaction transaction, string organisationId, string id, UpdateBankAccountRequest request, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(clock);
        var updated = await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE bank_accounts SET name = coalesce(@Name, name), sort_code = coalesce(@SortCode, sort_code),
                account_number_last4 = coalesce(@Last4, account_number_last4), updated_at = @Now
            WHERE id = @Id AND organisation_id = @OrganisationId
            """,
            new
            {
                Name = request.Name?.Trim(), SortCode = BankAccountRules.Formatted(request.SortCode), Last4 = request.AccountNumberLast4, Now = clock.GetUtcNow(),
                Id = id, OrganisationId = organisationId,
            },
            transaction, cancellationToken: cancellationToken));
        return updated == 0 ? null : await LoadViewAsync(transaction.Connection!, organisationId, id, transaction, cancellationToken);
    }

    public static Task<BankAccountView?> LoadViewAsync(
        NpgsqlConnection connection, string organisationId, string id, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.QuerySingleOrDefaultAsync<BankAccountView>(new CommandDefinition(
            $"SELECT {Columns} FROM bank_accounts b WHERE b.id = @Id AND b.organisation_id = @OrganisationId",
            new { Id = id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
    }

    public static async Task<(IReadOnlyList<BankAccountView> Page, long Total)> ListAsync(
        NpgsqlConnection connection, string organisationId, int limit, int offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var page = (await connection.QueryAsync<BankAccountView>(new CommandDefinition(
            $"SELECT {Columns} FROM bank_accounts b WHERE b.organisation_id = @OrganisationId ORDER BY b.created_at DESC, b.id LIMIT @Limit OFFSET @Offset",
            new { OrganisationId = organisationId, Limit = limit, Offset = offset }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM bank_accounts WHERE organisation_id = @OrganisationId", new { OrganisationId = organisationId }, cancellationToken: cancellationToken));
        return (page, total);
    }

    /// <summary>
    /// The bank account a write names (transactions, imports, payments), locked against concurrent
    /// changes of its transactions; null when it is not in the organisation.
    /// </summary>
    public static Task<BankAccount?> FindAsync(NpgsqlTransaction transaction, string organisationId, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection!.QuerySingleOrDefaultAsync<BankAccount>(new CommandDefinition(
            "SELECT id, name, currency, ledger_account_id FROM bank_accounts WHERE id = @Id AND organisation_id = @OrganisationId FOR SHARE",
            new { Id = id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
    }

    private sealed record LedgerAccountRow(string Type, bool Archived, string? UsedBy);

    private static async Task<string?> LedgerAccountProblemAsync(NpgsqlTransaction transaction, string organisationId, string ledgerAccountId, CancellationToken cancellationToken)
    {
        var account = await transaction.Connection!.QuerySingleOrDefaultAsync<LedgerAccountRow>(new CommandDefinition(
            """
            SELECT a.type, a.archived, (SELECT b.id FROM bank_accounts b WHERE b.ledger_account_id = a.id LIMIT 1) AS used_by
            FROM accounts a WHERE a.id = @Id AND a.organisation_id = @OrganisationId
            """,
            new { Id = ledgerAccountId, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        return account switch
        {
            null => "No such account in this organisation.",
            { Type: not "asset" } => $"The ledger account of a bank account must be an asset account; this one is {account.Type}.",
            { Archived: true } => "The account is archived; nothing can be posted to it.",
            { UsedBy: { } other } => $"The account is already the ledger account of bank account {other}.",
            _ => null,
        };
    }
}
