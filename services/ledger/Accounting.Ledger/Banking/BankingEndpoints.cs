using System.Text.Json.Serialization;
using Accounting.Ledger.Endpoints;
using Accounting.Ledger.Posting;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Banking;

/// <param name="Currency">Optional; when sent it must be the bank account's currency.</param>
public sealed record CreateBankTransactionRequest(string? BankAccountId, DateOnly? Date, string? Description, decimal? Amount, string? Reference = null, string? Currency = null);

/// <summary>
/// PATCH of a transaction. Only the fields sent change, so a field sent as null (clearing the category
/// or the notes) must be told apart from one left out: the setters record that they were called.
/// </summary>
public sealed record UpdateBankTransactionRequest
{
    private readonly string? categoryId;
    private readonly string? notes;

    public string? CategoryId
    {
        get => categoryId;
        init
        {
            categoryId = value;
            CategoryIdSent = true;
        }
    }

    public string? Notes
    {
        get => notes;
        init
        {
            notes = value;
            NotesSent = true;
        }
    }

    [JsonIgnore]
    public bool CategoryIdSent { get; private init; }

    [JsonIgnore]
    public bool NotesSent { get; private init; }
}

public sealed class CreateBankTransactionValidator : AbstractValidator<CreateBankTransactionRequest>
{
    public CreateBankTransactionValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.BankAccountId).NotEmpty().Matches("^ba_[A-Za-z0-9]{1,60}$").WithMessage("bank_account_id must be a bank account id (ba_…).");
        RuleFor(r => r.Date).PlausibleDate();
        RuleFor(r => r.Description).NotEmpty().MaximumLength(500);
        // Decimals are checked against the bank account's currency once it is loaded.
        RuleFor(r => r.Amount).NotNull().SignedAmount();
        RuleFor(r => r.Reference).MaximumLength(255);
        RuleFor(r => r.Currency).Currency().When(r => r.Currency is not null);
    }
}

public sealed class UpdateBankTransactionValidator : AbstractValidator<UpdateBankTransactionRequest>
{
    public UpdateBankTransactionValidator()
    {
        RuleFor(r => r.CategoryId).Matches("^cat_[A-Za-z0-9]{1,60}$").WithMessage("category_id must be a category id (cat_…) or null.");
        RuleFor(r => r.Notes).MaximumLength(2000);
        RuleFor(r => r).Must(r => r.CategoryIdSent || r.NotesSent).OverridePropertyName("category_id").WithMessage("Send category_id, notes or both.");
    }
}

internal static class BankTransactionRules
{
    /// <summary>A signed amount: not zero, below 10^13 either way.</summary>
    public static IRuleBuilderOptions<T, decimal?> SignedAmount<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.NotEqual(0).WithMessage("{PropertyName} must not be zero.")
            .Must(amount => amount is not { } value || Math.Abs(value) < Money.Limit).WithMessage("{PropertyName} must be less than 10,000,000,000,000 either way.");

    /// <summary>What is wrong with a transaction for <paramref name="account"/>, field by field; empty when nothing.</summary>
    public static List<FieldError> Problems(BankAccount account, decimal amount, string? currency)
    {
        var problems = new List<FieldError>();
        if (currency is not null && currency != account.Currency)
        {
            problems.Add(new FieldError("currency", $"The bank account is in {account.Currency}; its transactions are too."));
        }

        if (!Money.FitsCurrency(amount, account.Currency))
        {
            problems.Add(new FieldError("amount", $"amount has more decimals than {account.Currency} allows."));
        }

        return problems;
    }
}

/// <summary>Bank accounts and bank transactions (contract §5.1), scope <c>transactions</c>.</summary>
public static class BankingEndpoints
{
    private static readonly string[] TransactionFilters =
        ["from", "to", "category_id", "uncategorised", "bank_account_id", "min_amount", "max_amount", "q", "import_id"];

    public static IEndpointRouteBuilder MapBankingEndpoints(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/v1/bank-accounts");
        accounts.MapGet("/", ListAccounts).RequireScope("transactions:read").WithName("listBankAccounts");
        accounts.MapPost("/", CreateAccount).RequireScope("transactions:write").Validate<CreateBankAccountRequest>().WithName("createBankAccount");
        accounts.MapGet("/{id}", GetAccount).RequireScope("transactions:read").WithName("getBankAccount");
        accounts.MapPatch("/{id}", UpdateAccount).RequireScope("transactions:write").Validate<UpdateBankAccountRequest>().WithName("updateBankAccount");

        var transactions = app.MapGroup("/api/v1/transactions");
        transactions.MapGet("/", ListTransactions).RequireScope("transactions:read").WithName("listBankTransactions");
        transactions.MapPost("/", CreateTransaction).RequireScope("transactions:write").Validate<CreateBankTransactionRequest>().WithName("createBankTransaction");
        transactions.MapGet("/{id}", GetTransaction).RequireScope("transactions:read").WithName("getBankTransaction");
        transactions.MapPatch("/{id}", UpdateTransaction).RequireScope("transactions:write").Validate<UpdateBankTransactionRequest>().WithName("updateBankTransaction")
            .ProducesError(409, "The transaction's date is in a closed period, or it records a payment that was already reversed.");
        return app;
    }

    private static async Task<Ok<Page<BankAccountView>>> ListAccounts(HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        new QueryFilters(request).ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var (accounts, total) = await BankAccounts.ListAsync(connection, caller.OrganisationId, page.Limit, page.Offset, cancellationToken);
        return TypedResults.Ok(Page.Of(accounts, page, total));
    }

    private static async Task<Results<Created<BankAccountView>, ApiError>> CreateAccount(CreateBankAccountRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var created = await BankAccounts.CreateAsync(write.Transaction, writes.Caller.OrganisationId, request, writes.Clock, cancellationToken);
        if (created.Error is { } error)
        {
            return error;
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/bank-accounts/{created.Value!.Id}", created.Value);
    }

    private static async Task<Results<Ok<BankAccountView>, ApiError>> GetAccount(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var account = await BankAccounts.LoadViewAsync(connection, caller.OrganisationId, id, null, cancellationToken);
        return account is null ? BankAccountNotFound() : TypedResults.Ok(account);
    }

    private static async Task<Results<Ok<BankAccountView>, ApiError>> UpdateAccount(string id, UpdateBankAccountRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var updated = await BankAccounts.UpdateAsync(write.Transaction, writes.Caller.OrganisationId, id, request, writes.Clock, cancellationToken);
        if (updated is null)
        {
            return BankAccountNotFound();
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(updated);
    }

    private static async Task<Ok<Page<BankTransactionView>>> ListTransactions(HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var filters = new QueryFilters(request, TransactionFilters);
        var filter = new BankTransactions.ListFilter(
            filters.Date("from"), filters.Date("to"), filters.Id("category_id", "cat"), filters.Boolean("uncategorised"), filters.Id("bank_account_id", "ba"),
            filters.Number("min_amount"), filters.Number("max_amount"), filters.Text("q", 200), filters.Id("import_id", "imp"));
        if (filter.From > filter.To)
        {
            filters.Fail("from", "from must not be after to.");
        }

        if (filter.MinAmount > filter.MaxAmount)
        {
            filters.Fail("min_amount", "min_amount must not be more than max_amount.");
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        // An id of another organisation in a filter is a 422 naming it (contract §2), never an empty page.
        var known = await connection.QuerySingleAsync<(bool Category, bool BankAccount)>(new CommandDefinition(
            """
            SELECT @CategoryId::text IS NULL OR EXISTS (SELECT 1 FROM categories WHERE id = @CategoryId AND organisation_id = @OrganisationId),
                   @BankAccountId::text IS NULL OR EXISTS (SELECT 1 FROM bank_accounts WHERE id = @BankAccountId AND organisation_id = @OrganisationId)
            """,
            new { filter.CategoryId, filter.BankAccountId, caller.OrganisationId }, cancellationToken: cancellationToken));
        if (!known.Category)
        {
            filters.Fail("category_id", "No such category in this organisation.");
        }

        if (!known.BankAccount)
        {
            filters.Fail("bank_account_id", "No such bank account in this organisation.");
        }

        filters.ThrowIfInvalid();
        var (transactions, total) = await BankTransactions.ListAsync(connection, caller.OrganisationId, filter, page.Limit, page.Offset, cancellationToken);
        return TypedResults.Ok(Page.Of(transactions, page, total));
    }

    private static async Task<Results<Created<BankTransactionView>, ApiError>> CreateTransaction(CreateBankTransactionRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var caller = writes.Caller;
        var account = await BankAccounts.FindAsync(write.Transaction, caller.OrganisationId, request.BankAccountId!, cancellationToken);
        if (account is null)
        {
            return ApiError.ValidationFailed("bank_account_id", "No such bank account in this organisation.");
        }

        var problems = BankTransactionRules.Problems(account, request.Amount!.Value, request.Currency);
        if (problems.Count > 0)
        {
            return ApiError.ValidationFailed(problems);
        }

        var context = await BankTransactions.PrepareAsync(write.Transaction, caller.OrganisationId, cancellationToken);
        var created = await BankTransactions.CreateAsync(
            write.Transaction, caller, account,
            [new NewBankTransaction(request.Date!.Value, request.Description!.Trim(), request.Amount.Value, request.Reference)],
            null, context, writes.Clock, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/transactions/{created[0].Id}", created[0]);
    }

    private static async Task<Results<Ok<BankTransactionView>, ApiError>> GetTransaction(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var row = await BankTransactions.LoadRowAsync(connection, caller.OrganisationId, id, null, forUpdate: false, cancellationToken);
        return row is null ? TransactionNotFound() : TypedResults.Ok(BankTransactions.ToView(row));
    }

    private static async Task<Results<Ok<BankTransactionView>, ApiError>> UpdateTransaction(string id, UpdateBankTransactionRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var caller = writes.Caller;
        var row = await BankTransactions.LoadRowAsync(write.Connection, caller.OrganisationId, id, write.Transaction, forUpdate: true, cancellationToken);
        if (row is null)
        {
            return TransactionNotFound();
        }

        if (request.CategoryIdSent)
        {
            var categorised = await BankTransactions.CategoriseAsync(write.Transaction, caller, row, request.CategoryId, writes.Clock, cancellationToken);
            if (categorised.Error is { } error)
            {
                return error;
            }

            row = categorised.Value!;
        }

        if (request.NotesSent)
        {
            row = await BankTransactions.SetNotesAsync(write.Transaction, caller.OrganisationId, row, request.Notes, writes.Clock, cancellationToken);
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(BankTransactions.ToView(row));
    }

    private static ApiError BankAccountNotFound() => ApiError.NotFound("No such bank account in this organisation.");

    private static ApiError TransactionNotFound() => ApiError.NotFound("No such transaction in this organisation.");
}
