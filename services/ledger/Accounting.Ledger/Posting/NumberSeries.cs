using Dapper;
using Npgsql;

namespace Accounting.Ledger.Posting;

/// <summary>Gapless per-organisation series: invoice numbers, journal entry sequences.</summary>
public static class NumberSeries
{
    public const string JournalEntries = "journal_entry";

    /// <summary>The next value of a series; the row stays locked until the transaction ends, so values never skip or repeat.</summary>
    public static Task<int> NextAsync(NpgsqlTransaction transaction, string organisationId, string series, CancellationToken cancellationToken) =>
        TakeAsync(transaction, organisationId, series, 1, cancellationToken);

    /// <summary>
    /// Takes the next <paramref name="count"/> values at once and returns the first; the rest follow it
    /// without a gap. Locked like <see cref="NextAsync"/>.
    /// </summary>
    public static async Task<int> TakeAsync(NpgsqlTransaction transaction, string organisationId, string series, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var last = await transaction.Connection!.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            INSERT INTO number_sequences (organisation_id, series, last_value) VALUES (@OrganisationId, @Series, @Count)
            ON CONFLICT (organisation_id, series) DO UPDATE SET last_value = number_sequences.last_value + @Count
            RETURNING last_value
            """,
            new { OrganisationId = organisationId, Series = series, Count = count }, transaction, cancellationToken: cancellationToken));
        return last - count + 1;
    }
}
