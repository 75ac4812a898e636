using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Http.HttpResults;
using Accounting.Reports.ReadModel;
using Npgsql;

namespace Accounting.Reports.Reports;

/// <summary>What every report handler needs: the read model, the freshness wait and the clock.</summary>
public sealed record ReportServices(NpgsqlDataSource Db, Freshness Freshness, TimeProvider Clock)
{
    /// <summary>Waits until the read model has caught up with the ledger (or the wait is over), then opens the report's snapshot.</summary>
    public async Task<ReportBook> OpenAsync(Caller caller, string? currency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var ledgerPosition = await Freshness.AwaitAsync(caller.OrganisationId, cancellationToken);
        return await ReportBook.OpenAsync(Db, caller.OrganisationId, currency, ledgerPosition, Clock, cancellationToken);
    }

    public DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
}

/// <summary>The reports of contract §6, as JSON or (<c>Accept: text/csv</c>) CSV.</summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var reports = app.MapGroup("/api/v1/reports");
        reports.MapGet("/profit-loss", ProfitAndLoss).RequireScope("reports:read").WithName("getProfitAndLoss");
        reports.MapGet("/balance-sheet", BalanceSheet).RequireScope("reports:read").WithName("getBalanceSheet");
        reports.MapGet("/trial-balance", TrialBalance).RequireScope("reports:read").WithName("getTrialBalance");
        reports.MapGet("/general-ledger", GeneralLedgerReport).RequireScope("reports:read").WithName("getGeneralLedger");
        reports.MapGet("/aged-receivables", AgedReceivables).RequireScope("reports:read").WithName("getAgedReceivables");
        reports.MapGet("/aged-payables", AgedPayables).RequireScope("reports:read").WithName("getAgedPayables");
        reports.MapGet("/vat", Vat).RequireScope("reports:read").WithName("getVatReturn");
        return app;
    }

    private static async Task<Results<Ok<ProfitAndLossReport>, CsvFile, ApiError>> ProfitAndLoss(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = new ReportQuery(request, "from", "to", "currency");
        var (from, to) = query.Range(required: true);
        var currency = query.Currency();
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, cancellationToken);
        var report = await Statements.ProfitAndLossAsync(book, from!.Value, to!.Value, cancellationToken);
        return format == ReportFormat.Csv ? ReportCsv.Of(report) : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<BalanceSheetReport>, CsvFile, ApiError>> BalanceSheet(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = new ReportQuery(request, "as_of", "currency");
        var asOf = query.Date("as_of");
        var currency = query.Currency();
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, cancellationToken);
        var report = await Statements.BalanceSheetAsync(book, asOf ?? services.Today, cancellationToken);
        return format == ReportFormat.Csv ? ReportCsv.Of(report) : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<TrialBalanceReport>, CsvFile, ApiError>> TrialBalance(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = new ReportQuery(request, "as_of", "currency");
        var asOf = query.Date("as_of");
        var currency = query.Currency();
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, cancellationToken);
        var report = await Statements.TrialBalanceAsync(book, asOf ?? services.Today, cancellationToken);
        return format == ReportFormat.Csv ? ReportCsv.Of(report) : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<GeneralLedgerReport>, CsvFile, ApiError>> GeneralLedgerReport(
        HttpRequest request, Caller caller, PageRequest page, [AsParameters] ReportServices services, CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = new ReportQuery(request, "account_id", "from", "to", "currency", "limit", "offset");
        var accountId = query.Id("account_id", "acc");
        var (from, to) = query.Range(required: false);
        var currency = query.Currency();
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, cancellationToken);
        var report = await GeneralLedger.BuildAsync(book, accountId!, from, to, page, cancellationToken);
        if (report is null)
        {
            return ApiError.ValidationFailed("account_id", $"No account {accountId} in this organisation's posted entries.");
        }

        return format == ReportFormat.Csv ? ReportCsv.Of(report) : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<VatReturnReport>, CsvFile, ApiError>> Vat(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = new ReportQuery(request, "from", "to", "currency");
        var (from, to) = query.Range(required: true);
        var currency = query.Currency();
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, cancellationToken);
        var report = await VatReturn.BuildAsync(book, from!.Value, to!.Value, cancellationToken);
        return format == ReportFormat.Csv ? ReportCsv.Of(report) : TypedResults.Ok(report);
    }

    private static Task<Results<Ok<AgedReport>, CsvFile, ApiError>> AgedReceivables(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        Aged(TradeDocumentCopies.Invoice, "aged-receivables", request, caller, services, cancellationToken);

    private static Task<Results<Ok<AgedReport>, CsvFile, ApiError>> AgedPayables(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        Aged(TradeDocumentCopies.Bill, "aged-payables", request, caller, services, cancellationToken);

    private static async Task<Results<Ok<AgedReport>, CsvFile, ApiError>> Aged(
        string kind, string name, HttpRequest request, Caller caller, ReportServices services, CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = new ReportQuery(request, "as_of", "currency");
        var asOf = query.Date("as_of");
        var currency = query.Currency();
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, cancellationToken);
        var report = await AgedBalances.BuildAsync(book, kind, asOf ?? services.Today, cancellationToken);
        return format == ReportFormat.Csv ? ReportCsv.Of(report, name) : TypedResults.Ok(report);
    }
}
