using Accounting.ServiceDefaults.Http;

namespace Accounting.Reports.Reports;

/// <summary>An account's lines with running balances; the opening and closing balances from the daily balances.</summary>
public static class GeneralLedger
{
    /// <summary>Null when the organisation has no such account (another organisation's included).</summary>
    public static async Task<GeneralLedgerReport?> BuildAsync(
        ReportBook book, string accountId, DateOnly? from, DateOnly? to, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(page);
        var account = (await book.QueryAsync<LedgerAccount>(
            "SELECT account_id, code, name, type, subtype FROM accounts WHERE organisation_id = @OrganisationId AND account_id = @accountId",
            new { book.OrganisationId, accountId }, cancellationToken)).SingleOrDefault();
        if (account is null)
        {
            return null;
        }

        var sign = AccountTotals.IsDebitNatural(account.Type) ? 1 : -1;
        var start = from ?? DateOnly.MinValue;
        var end = to ?? DateOnly.MaxValue;
        var movements = (await book.QueryAsync<(decimal Before, decimal Within)>(
            """
            SELECT coalesce(sum(debit - credit) FILTER (WHERE day < @start), 0) AS before,
                   coalesce(sum(debit - credit) FILTER (WHERE day >= @start AND day <= @end), 0) AS within
            FROM daily_balances
            WHERE organisation_id = @OrganisationId AND currency = @Currency AND account_id = @accountId AND day <= @end
            """,
            new { book.OrganisationId, book.Currency, accountId, start, end }, cancellationToken)).Single();
        var lines = (await book.QueryAsync<LineRow>(
            """
            SELECT date, journal_entry_id, description, debit, credit,
                   sum(debit - credit) OVER (ORDER BY date, sequence, line_number ROWS UNBOUNDED PRECEDING) AS movement,
                   count(*) OVER () AS total
            FROM journal_lines
            WHERE organisation_id = @OrganisationId AND account_id = @accountId AND currency = @Currency AND date BETWEEN @start AND @end
            ORDER BY date, sequence, line_number
            LIMIT @Limit OFFSET @Offset
            """,
            new { book.OrganisationId, book.Currency, accountId, start, end, page.Limit, page.Offset }, cancellationToken)).ToList();
        var total = lines.Count > 0 ? lines[0].Total : await CountAsync(book, accountId, start, end, cancellationToken);
        var opening = sign * movements.Before;
        return new GeneralLedgerReport(book.Header)
        {
            From = from,
            To = to,
            Account = account,
            OpeningBalance = book.Present(opening),
            Lines = [.. lines.Select(l => new GeneralLedgerLine(
                l.Date, l.JournalEntryId, l.Description, book.Present(l.Debit), book.Present(l.Credit), book.Present(opening + (sign * l.Movement))))],
            ClosingBalance = book.Present(opening + (sign * movements.Within)),
            Pagination = Page.Of(lines, page, total).Pagination,
        };
    }

    // A page past the end has no row to carry the count.
    private static async Task<long> CountAsync(ReportBook book, string accountId, DateOnly start, DateOnly end, CancellationToken cancellationToken) =>
        (await book.QueryAsync<long>(
            "SELECT count(*) FROM journal_lines WHERE organisation_id = @OrganisationId AND account_id = @accountId AND currency = @Currency AND date BETWEEN @start AND @end",
            new { book.OrganisationId, book.Currency, accountId, start, end }, cancellationToken)).Single();

    private sealed record LineRow(DateOnly Date, string JournalEntryId, string Description, decimal Debit, decimal Credit, decimal Movement, long Total);
}
