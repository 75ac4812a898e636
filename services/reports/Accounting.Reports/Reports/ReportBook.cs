using System.Data;
using Accounting.ServiceDefaults;
using Dapper;
using Npgsql;

namespace Accounting.Reports.Reports;

/// <summary>
/// One report's view of the read model: a read-only snapshot, so every figure and the
/// <c>ledger_position</c> it states come from the same moment.
/// </summary>
public sealed class ReportBook : IAsyncDisposable
{
    private ReportBook(NpgsqlConnection connection, NpgsqlTransaction transaction, string organisationId, Organisation organisation, string currency, long? ledgerPosition, DateTimeOffset generatedAt)
    {
        Connection = connection;
        Transaction = transaction;
        OrganisationId = organisationId;
        FinancialYearEnd = organisation.FinancialYearEnd;
        Currency = currency;
        Header = new ReportHeader(
            currency,
            generatedAt,
            organisation.AppliedSequence,
            ledgerPosition is { } target && organisation.AppliedSequence >= target,
            ledgerPosition is { } known ? (known > organisation.AppliedSequence ? known - organisation.AppliedSequence : null) : null);
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    public string OrganisationId { get; }

    public string FinancialYearEnd { get; }

    public string Currency { get; }

    public ReportHeader Header { get; }

    public static async Task<ReportBook> OpenAsync(
        NpgsqlDataSource db, string organisationId, string? currency, long? ledgerPosition, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(clock);
        var connection = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            var organisation = await connection.QuerySingleOrDefaultAsync<Organisation>(new CommandDefinition(
                "SELECT base_currency, financial_year_end, applied_sequence FROM organisations WHERE organisation_id = @organisationId",
                new { organisationId }, transaction, cancellationToken: cancellationToken)) ?? Organisation.Unknown;
            return new ReportBook(connection, transaction, organisationId, organisation, currency ?? organisation.BaseCurrency, ledgerPosition, clock.GetUtcNow());
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object parameters, CancellationToken cancellationToken) =>
        Connection.QueryAsync<T>(new CommandDefinition(sql, parameters, Transaction, cancellationToken: cancellationToken));

    public decimal Present(decimal amount) => Currencies.InMinorUnits(amount, Currencies.DecimalsOf(Currency));

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }

    private sealed record Organisation(string BaseCurrency, string FinancialYearEnd, long AppliedSequence)
    {
        public static Organisation Unknown { get; } = new("GBP", "12-31", 0);
    }
}

/// <summary>What every report states about itself (contract §6).</summary>
public sealed record ReportHeader(string Currency, DateTimeOffset GeneratedAt, long LedgerPosition, bool Complete, long? BehindBy);
