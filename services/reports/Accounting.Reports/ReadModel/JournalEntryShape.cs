using Accounting.Contracts.Ledger;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// What a journal entry must look like before it may touch a balance. The ledger only emits
/// well-formed entries; this guards the read model against anything else that reaches the queue.
/// </summary>
public static class JournalEntryShape
{
    private static readonly HashSet<string> AccountTypes = new(StringComparer.Ordinal) { "asset", "liability", "equity", "income", "expense" };

    // numeric(19,4): below 10^15 with at most four decimals.
    private const decimal MaxAmount = 1_000_000_000_000_000m;

    /// <summary>Null when the entry can be applied, otherwise why not.</summary>
    public static string? Problem(JournalEntryPosted entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.OrganisationId) || string.IsNullOrEmpty(entry.JournalEntryId))
        {
            return "it names no organisation or entry id";
        }

        if (entry.Sequence < 1)
        {
            return "its sequence is not positive";
        }

        if (entry.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            return "its currency is not an ISO 4217 code";
        }

        if (entry.Lines is not { Count: >= 2 } lines)
        {
            return "it has fewer than two lines";
        }

        foreach (var line in lines)
        {
            if (line is null || string.IsNullOrEmpty(line.AccountId) || line.AccountCode is null || line.AccountName is null
                || line.AccountType is null || !AccountTypes.Contains(line.AccountType))
            {
                return "a line does not name its account fully";
            }

            if (!IsAmount(line.Debit) || !IsAmount(line.Credit) || (line.Debit > 0) == (line.Credit > 0))
            {
                return "a line does not have exactly one positive side";
            }
        }

        return lines.Sum(l => l.Debit) == lines.Sum(l => l.Credit) ? null : "its debits and credits differ";
    }

    private static bool IsAmount(decimal amount) => amount >= 0 && amount < MaxAmount && decimal.Round(amount, 4) == amount;
}
