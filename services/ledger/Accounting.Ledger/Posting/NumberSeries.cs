using Dapper;
using Npgsql;

namespace Accounting.Ledger.Posting;

/// <summary>Gapless per-organisation series: invoice numbers, journal entry sequences.</summary>
public static class NumberSeries
{
    public const string JournalEntries = "journal_entry";

    /// <summary>The next value of a series; the row stays locked until the transaction ends, so values never skip or repeat.</summary>
    public static Task<int> NextAsync(NpgsqlTransaction transaction, string organisationId, string series, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection!.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            INSERT INTO number_sequences (organisation_id, series, last_value) VALUES (@OrganisationId, @Series, 1)
            ON CONFLICT (organisation_id, series) DO UPDATE SET last_value = number_sequences.last_value + 1
            RETURNING last_value
            """,
            new { OrganisationId = organisationId, Series = series }, transaction, cancellationToken: cancellationToken));
    }
}
