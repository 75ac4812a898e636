using Accounting.Reports.Ledger;
using Accounting.Reports.ReadModel;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;

namespace Accounting.Reports.Reports;

/// <summary>
/// A report reflects every entry the ledger committed before the request (contract §6): ask the
/// ledger its position, then wait (woken by the consumer's NOTIFY, up to <c>Reports:FreshnessWait</c>)
/// until this service has applied as far.
/// </summary>
public sealed partial class Freshness(
    ILedgerFeed ledger, AppliedPositions positions, NpgsqlDataSource db, TimeProvider clock, IOptions<ReportsOptions> options, ILogger<Freshness> logger)
{
    /// <summary>
    /// The ledger's position for the organisation once applied (and, with <paramref name="withTradeEvents"/>,
    /// every trade event the applied entries name arrived) or the wait is over; null when the ledger could not say.
    /// </summary>
    public async Task<long?> AwaitAsync(string organisationId, bool withTradeEvents, CancellationToken cancellationToken)
    {
        long target;
        try
        {
            target = await ledger.PositionAsync(organisationId, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is HttpRequestException or ExecutionRejectedException or OperationCanceledException)
        {
            LogLedgerUnreachable(logger, exception, organisationId);
            return null;
        }

        var deadline = clock.GetUtcNow() + options.Value.FreshnessWait;
        while (true)
        {
            var change = positions.NextChange(organisationId);
            if (await CaughtUpAsync(organisationId, target, withTradeEvents, cancellationToken))
            {
                return target;
            }

            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return target;
            }

            await change.WaitAsync(remaining, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<bool> CaughtUpAsync(string organisationId, long target, bool withTradeEvents, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var applied = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT applied_sequence FROM organisations WHERE organisation_id = @organisationId",
            new { organisationId }, cancellationToken: cancellationToken)) ?? 0;
        return applied >= target
            && (!withTradeEvents || await TradeSources.MissingAsync(connection, null, organisationId, DateOnly.MaxValue, cancellationToken) == 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger did not say how far {OrganisationId}'s journal goes; the report says it may be incomplete")]
    private static partial void LogLedgerUnreachable(ILogger logger, Exception exception, string organisationId);
}
