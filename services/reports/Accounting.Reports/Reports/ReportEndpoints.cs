using Accounting.Reports.ReadModel;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.OpenApi;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Reports.Reports;

/// <summary>What every report handler needs: the read model, the freshness wait and the clock.</summary>
public sealed record ReportServices(NpgsqlDataSource Db, Freshness Freshness, TimeProvider Clock)
{
    /// <summary>
    /// Waits until the read model has caught up with the ledger (and, for the aged reports, received the trade
    /// events of the entries applied) or the wait is over, then opens the report's snapshot.
    /// </summary>
    public async Task<ReportBook> OpenAsync(Caller caller, string? currency, bool withTradeEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var ledgerPosition = await Freshness.AwaitAsync(caller.OrganisationId, withTradeEvents, cancellationToken);
        return await ReportBook.OpenAsync(Db, caller.OrganisationId, currency, ledgerPosition, Clock, cancellationToken);
    }

    public DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
}

/// <summary>The reports of contract §6, as JSON or (<c>Accept: text/csv</c>) CSV.</summary>
public static class ReportEndpoints
{
    /// <summary>A report covers at most ten years: a longer range is a 422 naming <c>to</c>.</summary>
    public const int MaxYears = 10;

    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var reports = app.MapGroup("/api/v1/reports")
            .ProducesError(406, "The Accept header names neither JSON nor CSV (`text/csv`).")
            .ProducesError(422, "A query parameter is missing, malformed, unknown or out of range, or names another organisation's account; `errors` names each field.");
        reports.MapGet("/profit-loss", ProfitAndLoss).RequireScope("reports:read").WithName("getProfitAndLoss");
        reports.MapGet("/balance-sheet", BalanceSheet).RequireScope("reports:read").WithName("getBalanceSheet");
        reports.MapGet("/trial-balance", TrialBalance).RequireScope("reports:read").WithName("getTrialBalance");
        reports.MapGet("/general-ledger", GeneralLedgerReport).RequireScope("reports:read").WithName("getGeneralLedger");
        reports.MapGet("/aged-receivables", AgedReceivables).RequireScope("reports:read").WithName("getAgedReceivables");
        reports.MapGet("/aged-payables", AgedPayables).RequireScope("reports:read").WithName("getAgedPayables");
        reports.MapGet("/vat", Vat).RequireScope("reports:read").WithName("getVatReturn");
        return app;
    }

    private static Task<Results<Ok<ProfitAndLossReport>, CsvFile, ApiError>> ProfitAndLoss(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        AnswerAsync<ProfitAndLossReport>(request, caller, services, ["from", "to"], query =>
        {
            var (from, to) = query.DateRange("from", "to", MaxYears, required: true);
            return (book, token) => Statements.ProfitAndLossAsync(book, from!.Value, to!.Value, token);
        }, ReportCsv.Of, cancellationToken);

    private static Task<Results<Ok<BalanceSheetReport>, CsvFile, ApiError>> BalanceSheet(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        AnswerAsync<BalanceSheetReport>(request, caller, services, ["as_of"], query =>
        {
            var asOf = query.Date("as_of") ?? services.Today;
            return (book, token) => Statements.BalanceSheetAsync(book, asOf, token);
        }, ReportCsv.Of, cancellationToken);

    private static Task<Results<Ok<TrialBalanceReport>, CsvFile, ApiError>> TrialBalance(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        AnswerAsync<TrialBalanceReport>(request, caller, services, ["as_of"], query =>
        {
            var asOf = query.Date("as_of") ?? services.Today;
            return (book, token) => Statements.TrialBalanceAsync(book, asOf, token);
        }, ReportCsv.Of, cancellationToken);

    private static Task<Results<Ok<GeneralLedgerReport>, CsvFile, ApiError>> GeneralLedgerReport(
        HttpRequest request, Caller caller, PageRequest page, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        AnswerAsync<GeneralLedgerReport>(request, caller, services, ["account_id", "from", "to", "limit", "offset"], query =>
        {
            var accountId = query.Require("account_id") ? query.Id("account_id", "acc") : null;
            var (from, to) = query.DateRange("from", "to", MaxYears);
            return async (book, token) => await GeneralLedger.BuildAsync(book, accountId!, from, to, page, token)
                ?? throw new ValidationException([new ValidationFailure("account_id", $"No account {accountId} in this organisation's posted entries.")]);
        }, ReportCsv.Of, cancellationToken);

    private static Task<Results<Ok<VatReturnReport>, CsvFile, ApiError>> Vat(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        AnswerAsync<VatReturnReport>(request, caller, services, ["from", "to"], query =>
        {
            var (from, to) = query.DateRange("from", "to", MaxYears, required: true);
            return (book, token) => VatReturn.BuildAsync(book, from!.Value, to!.Value, token);
        }, ReportCsv.Of, cancellationToken);

    private static Task<Results<Ok<AgedReport>, CsvFile, ApiError>> AgedReceivables(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        Aged(TradeDocumentCopies.Invoice, "aged-receivables", request, caller, services, cancellationToken);

    private static Task<Results<Ok<AgedReport>, CsvFile, ApiError>> AgedPayables(
        HttpRequest request, Caller caller, [AsParameters] ReportServices services, CancellationToken cancellationToken) =>
        Aged(TradeDocumentCopies.Bill, "aged-payables", request, caller, services, cancellationToken);

    private static Task<Results<Ok<AgedReport>, CsvFile, ApiError>> Aged(
        string kind, string name, HttpRequest request, Caller caller, ReportServices services, CancellationToken cancellationToken) =>
        AnswerAsync<AgedReport>(request, caller, services, ["as_of"], query =>
        {
            var asOf = query.Date("as_of") ?? services.Today;
            return (book, token) => AgedBalances.BuildAsync(book, kind, asOf, token);
        }, report => ReportCsv.Of(report, name), cancellationToken);

    /// <summary>
    /// Every report's request: the format from <c>Accept</c> (406 when neither), its parameters
    /// (<paramref name="parameters"/> and <c>currency</c>; a 422 naming each one that is wrong),
    /// then the report built by what <paramref name="read"/> returns on a book opened once the
    /// read model has caught up, as JSON or CSV.
    /// </summary>
    private static async Task<Results<Ok<TReport>, CsvFile, ApiError>> AnswerAsync<TReport>(
        HttpRequest request,
        Caller caller,
        ReportServices services,
        string[] parameters,
        Func<QueryFilters, Func<ReportBook, CancellationToken, Task<TReport>>> read,
        Func<TReport, CsvFile> csv,
        CancellationToken cancellationToken)
    {
        if (ReportFormats.Negotiate(request) is not { } format)
        {
            return ReportFormats.NotAcceptable();
        }

        var query = QueryFilters.Unpaged(request, [.. parameters, "currency"]);
        // The aged reports are built from trade events besides the journal: they wait for those too.
        var withTradeEvents = typeof(TReport) == typeof(AgedReport);
        var build = read(query);
        var currency = query.Currency("currency");
        query.ThrowIfInvalid();
        await using var book = await services.OpenAsync(caller, currency, withTradeEvents, cancellationToken);
        var report = await build(book, cancellationToken);
        return format == ReportFormat.Csv ? csv(report) : TypedResults.Ok(report);
    }
}
