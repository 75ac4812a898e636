using Accounting.Ledger.Banking.Imports.Parsing;

namespace Accounting.Ledger.Banking.Imports;

/// <summary>A bank account's transaction as duplicate detection sees it.</summary>
public sealed record ExistingTransaction(DateOnly Date, decimal Amount, string Description, string? ExternalId);

/// <summary>
/// Which statement rows are already in the bank account (contract §5.2): same OFX <c>FITID</c>, or
/// same date, amount and description, counting repeats. Each existing transaction accounts for one
/// row only, so a file with two identical rows of which one already exists has one duplicate (the
/// first; the second is a new transaction that happens to look the same, as two coffees on a day do).
/// A row with a FITID matches by content only a transaction that has none (entered by hand, or from
/// a CSV): one with another FITID is, by the bank's own word, a different transaction.
/// </summary>
public static class DuplicateDetector
{
    private readonly record struct Key(DateOnly Date, decimal Amount, string Description);

    private sealed class Candidate(ExistingTransaction transaction)
    {
        public ExistingTransaction Transaction { get; } = transaction;

        public bool Taken { get; set; }
    }

    /// <returns>The row numbers of the duplicates among the valid rows.</returns>
    public static HashSet<int> Find(IEnumerable<StatementRow> rows, IEnumerable<ExistingTransaction> existing)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(existing);
        var byFitid = new Dictionary<string, List<Candidate>>(StringComparer.Ordinal);
        var byContent = new Dictionary<Key, List<Candidate>>();
        foreach (var transaction in existing)
        {
            var candidate = new Candidate(transaction);
            if (transaction.ExternalId is { } fitid)
            {
                Add(byFitid, fitid, candidate);
            }

            Add(byContent, new Key(transaction.Date, transaction.Amount, transaction.Description), candidate);
        }

        var duplicates = new HashSet<int>();
        foreach (var row in rows.Where(r => r.IsValid))
        {
            var content = byContent.GetValueOrDefault(new Key(row.Date!.Value, row.Amount!.Value, row.Description!));
            var match = row.ExternalId is { } fitid
                ? Untaken(byFitid.GetValueOrDefault(fitid), _ => true) ?? Untaken(content, c => c.Transaction.ExternalId is null)
                : Untaken(content, _ => true);
            if (match is not null)
            {
                match.Taken = true;
                duplicates.Add(row.Row);
            }
        }

        return duplicates;
    }

    private static void Add<TKey>(Dictionary<TKey, List<Candidate>> index, TKey key, Candidate candidate)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(candidate);
    }

    private static Candidate? Untaken(List<Candidate>? candidates, Func<Candidate, bool> eligible) =>
        candidates?.Find(c => !c.Taken && eligible(c));
}
