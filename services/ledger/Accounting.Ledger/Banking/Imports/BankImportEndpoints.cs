using Accounting.Ledger.Banking.Imports.Parsing;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Banking.Imports;

/// <summary>Bank statement imports (contract §5.2): upload for a preview, look at it, confirm it once.</summary>
public static class BankImportEndpoints
{
    /// <summary>What the import endpoints share: the request's writes and the clock.</summary>
    public sealed record ImportServices(WriteTransactions Transactions, NpgsqlDataSource Db, TimeProvider Clock);

    public static IServiceCollection AddBankImports(this IServiceCollection services) => services.AddHostedService<BankImportRetention>();

    public static IEndpointRouteBuilder MapBankImportEndpoints(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/v1/bank-imports");
        imports.MapPost("/", Upload).RequireScope("bank-imports:write").WithName("createBankImport")
            .Accepts<IFormFile>("multipart/form-data").DisableAntiforgery();
        imports.MapGet("/{id}", Get).RequireScope("transactions:read").WithName("getBankImport");
        imports.MapPost("/{id}/confirm", Confirm).RequireScope("bank-imports:write").WithName("confirmBankImport");
        return app;
    }

    private static async Task<Results<Created<BankImportView>, ApiError>> Upload(
        HttpRequest request, Caller caller, [AsParameters] ImportServices services, CancellationToken cancellationToken)
    {
        var (upload, uploadError) = await StatementUpload.ReadAsync(request, cancellationToken);
        if (upload is null)
        {
            return uploadError!;
        }

        await using (upload)
        {
            var (options, problems) = Options(upload);
            if (problems.Count > 0)
            {
                return ApiError.ValidationFailed(problems);
            }

            await using var write = await services.Transactions.BeginAsync(cancellationToken);
            if (await BankAccounts.FindAsync(write.Transaction, caller.OrganisationId, upload.BankAccountId!, cancellationToken) is not { } account)
            {
                return ApiError.ValidationFailed("bank_account_id", "No such bank account in this organisation.");
            }

            var statement = await StatementReader.ReadAsync(upload.File!, options! with { Currency = account.Currency }, cancellationToken);
            if (statement.IsRejected)
            {
                return ApiError.ValidationFailed([.. statement.Problems.Select(p => new FieldError(p.Field, p.Message))]);
            }

            var existing = await BankImports.ExistingAsync(write.Transaction, caller.OrganisationId, account.Id, statement.Rows, cancellationToken);
            var duplicates = DuplicateDetector.Find(statement.Rows, existing);
            var now = services.Clock.GetUtcNow();
            var valid = statement.Rows.Count(r => r.IsValid);
            var import = new BankImports.ImportRow(
                Ids.New("imp"), account.Id, account.Currency, statement.Format == StatementFormat.Ofx ? "ofx" : "csv", BankImports.Preview,
                statement.Rows.Count, valid, duplicates.Count, statement.Rows.Count - valid, now, now + BankImports.PreviewLifetime, null, null, null);
            await BankImports.InsertAsync(write.Transaction, caller.OrganisationId, caller.PrincipalId, import, statement.Rows, duplicates, cancellationToken);
            await write.CommitAsync(cancellationToken);
            return TypedResults.Created($"/api/v1/bank-imports/{import.Id}", BankImports.ToView(import, statement.Rows, duplicates, now));
        }
    }

    private static async Task<Results<Ok<BankImportView>, ApiError>> Get(string id, Caller caller, [AsParameters] ImportServices services, CancellationToken cancellationToken)
    {
        await using var connection = await services.Db.OpenConnectionAsync(cancellationToken);
        if (await BankImports.LoadAsync(connection, caller.OrganisationId, id, null, cancellationToken) is not { } import)
        {
            return NotFound();
        }

        var (rows, duplicates) = await BankImports.LoadRowsAsync(connection, import.Id, null, cancellationToken);
        return TypedResults.Ok(BankImports.ToView(import, rows, duplicates, services.Clock.GetUtcNow()));
    }

    /// <summary>
    /// Creates the valid rows that are not duplicates, in one transaction. Duplicates are found again
    /// against the bank account as it is now, so transactions recorded since the preview (by hand, or
    /// by another import) are not created twice. The import row is locked first: of two confirms at
    /// once, the second waits and then finds it confirmed (409).
    /// </summary>
    private static async Task<Results<Ok<BankImportConfirmationView>, ApiError>> Confirm(
        string id, Caller caller, [AsParameters] ImportServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        if (await BankImports.LoadAsync(write.Connection, caller.OrganisationId, id, write.Transaction, cancellationToken) is not { } import)
        {
            return NotFound();
        }

        var now = services.Clock.GetUtcNow();
        if (import.Status == BankImports.Confirmed)
        {
            return ApiError.Conflict($"The import was already confirmed at {import.ConfirmedAt:yyyy-MM-ddTHH:mm:ssZ}.");
        }

        if (now >= import.ExpiresAt)
        {
            return ApiError.Conflict($"The preview expired at {import.ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}; upload the statement again.");
        }

        if (await BankAccounts.FindAsync(write.Transaction, caller.OrganisationId, import.BankAccountId, cancellationToken) is not { } account)
        {
            return ApiError.Conflict("The import's bank account no longer exists.");
        }

        var (rows, _) = await BankImports.LoadRowsAsync(write.Connection, import.Id, write.Transaction, cancellationToken);
        var existing = await BankImports.ExistingAsync(write.Transaction, caller.OrganisationId, account.Id, rows, cancellationToken);
        var duplicates = DuplicateDetector.Find(rows, existing);
        IReadOnlyList<NewBankTransaction> toCreate =
            [.. rows.Where(r => r.IsValid && !duplicates.Contains(r.Row)).Select(r => new NewBankTransaction(r.Date!.Value, r.Description!, r.Amount!.Value, r.Reference, r.ExternalId))];
        if (toCreate.Count > 0)
        {
            var context = await BankTransactions.PrepareAsync(write.Transaction, caller.OrganisationId, cancellationToken);
            await BankTransactions.CreateAsync(write.Transaction, caller, account, toCreate, import.Id, context, services.Clock, cancellationToken);
        }

        await BankImports.MarkConfirmedAsync(write.Transaction, import.Id, duplicates, toCreate.Count, now, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(new BankImportConfirmationView(import.Id, BankImports.Confirmed, toCreate.Count, duplicates.Count, import.ErrorRows));
    }

    private static (StatementOptions? Options, List<FieldError> Problems) Options(StatementUpload upload)
    {
        var problems = new List<FieldError>();
        if (upload.File is null)
        {
            problems.Add(new FieldError("file", "file is required: the statement, CSV or OFX."));
        }

        if (string.IsNullOrEmpty(upload.BankAccountId))
        {
            problems.Add(new FieldError("bank_account_id", "bank_account_id is required."));
        }
        else if (!upload.BankAccountId.StartsWith("ba_", StringComparison.Ordinal) || upload.BankAccountId.Length > 64)
        {
            problems.Add(new FieldError("bank_account_id", "No such bank account in this organisation."));
        }

        StatementDateFormat? dateFormat = null;
        if (upload.DateFormat is not null && (dateFormat = StatementDateFormat.Named(upload.DateFormat)) is null)
        {
            problems.Add(new FieldError("date_format", $"date_format must be one of: {string.Join(", ", StatementDateFormat.All.Select(f => f.Name))}."));
        }

        CsvColumnMap? columns = null;
        if (upload.Columns is not null)
        {
            columns = CsvColumnMap.Parse(upload.Columns, out var columnProblems);
            problems.AddRange(columnProblems.Select(p => new FieldError(p.Field, p.Message)));
        }

        // The currency is the bank account's, known once it is found.
        return (problems.Count > 0 ? null : new StatementOptions(string.Empty, dateFormat, columns), problems);
    }

    private static ApiError NotFound() => ApiError.NotFound("No such bank import in this organisation.");
}
