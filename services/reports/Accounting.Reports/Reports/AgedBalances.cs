using Accounting.Reports.ReadModel;

namespace Accounting.Reports.Reports;

/// <summary>One sent invoice or approved bill with what was still due on it on the report's date.</summary>
public sealed record OutstandingDocument(string ContactId, string? ContactName, DateOnly DueDate, decimal AmountDue);

/// <summary>
/// Aged receivables and payables (contract §6): what each contact owes (or is owed) on a date,
/// by how many days it is past its due date. Due on or after the date is <c>current</c>.
/// </summary>
public static class AgedBalances
{
    public static (IReadOnlyList<AgedContact> Contacts, AgingBuckets Totals) Age(DateOnly asOf, IEnumerable<OutstandingDocument> documents, Func<decimal, decimal> present)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(present);
        var contacts = documents
            .Where(d => d.AmountDue != 0)
            .GroupBy(d => d.ContactId, StringComparer.Ordinal)
            .Select(contact =>
            {
                var buckets = new decimal[5];
                foreach (var document in contact)
                {
                    buckets[Bucket(asOf.DayNumber - document.DueDate.DayNumber)] += document.AmountDue;
                }

                var shown = buckets.Select(present).ToArray();
                return new AgedContact(contact.Key, contact.First().ContactName, shown[0], shown[1], shown[2], shown[3], shown[4], shown.Sum());
            })
            .OrderBy(c => c.Name ?? c.ContactId, StringComparer.OrdinalIgnoreCase)
            .ThenBy(c => c.ContactId, StringComparer.Ordinal)
            .ToList();
        var totals = new AgingBuckets(
            present(contacts.Sum(c => c.Current)), present(contacts.Sum(c => c.Days1To30)), present(contacts.Sum(c => c.Days31To60)),
            present(contacts.Sum(c => c.Days61To90)), present(contacts.Sum(c => c.DaysOver90)), present(contacts.Sum(c => c.Total)));
        return (contacts, totals);
    }

    private static int Bucket(int daysPastDue) => daysPastDue switch
    {
        <= 0 => 0,
        <= 30 => 1,
        <= 60 => 2,
        <= 90 => 3,
        _ => 4,
    };

    /// <summary>
    /// The documents of one kind issued by <paramref name="asOf"/> in the report's currency, less the
    /// payments dated by then; a document voided on or before the date owes nothing.
    /// </summary>
    public static async Task<AgedReport> BuildAsync(ReportBook book, string kind, DateOnly asOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(book);
        var documents = await book.QueryAsync<OutstandingDocument>(
            """
            SELECT d.contact_id, c.name AS contact_name, d.due_date, d.total - coalesce(paid.amount, 0) AS amount_due
            FROM trade_documents d
            LEFT JOIN contacts c ON c.organisation_id = d.organisation_id AND c.contact_id = d.contact_id
            LEFT JOIN LATERAL (
                SELECT sum(p.amount) AS amount FROM trade_payments p
                WHERE p.organisation_id = d.organisation_id AND p.document_id = d.document_id AND p.date <= @asOf
            ) paid ON true
            WHERE d.organisation_id = @OrganisationId AND d.kind = @kind AND d.currency = @Currency AND d.issue_date <= @asOf
              AND NOT EXISTS (
                SELECT 1 FROM trade_voids v
                WHERE v.organisation_id = d.organisation_id AND v.document_id = d.document_id AND v.voided_on <= @asOf)
            """,
            new { book.OrganisationId, kind, book.Currency, asOf }, cancellationToken);
        var (contacts, totals) = Age(asOf, documents, book.Present);
        var missing = await TradeSources.MissingAsync(book.Connection, book.Transaction, book.OrganisationId, asOf, cancellationToken);
        return new AgedReport(Lacking(book.Header, missing)) { AsOf = asOf, Contacts = contacts, Totals = totals };
    }

    /// <summary>
    /// The journal's freshness, and besides it the trade events its applied entries name that have not
    /// arrived: each is one more thing the report lacks (behind_by stays unknown when the journal's lag is).
    /// </summary>
    public static ReportHeader Lacking(ReportHeader journal, long missingTradeEvents)
    {
        ArgumentNullException.ThrowIfNull(journal);
        if (missingTradeEvents == 0)
        {
            return journal;
        }

        return journal with
        {
            Complete = false,
            BehindBy = journal.Complete ? missingTradeEvents : journal.BehindBy + missingTradeEvents,
        };
    }
}
