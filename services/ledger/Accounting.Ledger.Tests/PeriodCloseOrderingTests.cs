using System.Net;
using System.Net.Http.Json;
using Accounting.Ledger.Posting;
using Accounting.Testing;
using Dapper;

namespace Accounting.Ledger.Tests;

public sealed class PeriodCloseOrderingTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    [Fact]
    public async Task A_close_waits_for_postings_in_flight_and_postings_queued_behind_it_are_refused()
    {
        using var org = await Organisation.CreateAsync(factory);
        await using var db = factory.Database.CreateDataSource();

        // Stand in for a posting in flight: it holds the organisation's period lock shared.
        await using var inFlight = await db.OpenConnectionAsync();
        await using var posting = await inFlight.BeginTransactionAsync();
        await inFlight.ExecuteAsync($"SELECT pg_advisory_xact_lock_shared({PeriodLock.Key})", new { OrganisationId = org.Id }, posting);

        var close = org.Client.PostAsJsonAsync("/api/v1/periods/close", new { period_end = "2026-06-30" });
        (await Eventually.HoldsAsync(async () => await WaitingOnAdvisoryLocksAsync(db) == 1, TimeSpan.FromSeconds(10))).ShouldBeTrue();
        var late = org.Client.PostAsJsonAsync("/api/v1/journal-entries",
            Organisation.Entry("2026-06-15", Organisation.Debit(org.Account("090"), 1m), Organisation.Credit(org.Account("970"), 1m)));
        (await Eventually.HoldsAsync(async () => await WaitingOnAdvisoryLocksAsync(db) == 2, TimeSpan.FromSeconds(10))).ShouldBeTrue();
        close.IsCompleted.ShouldBeFalse();

        await posting.CommitAsync();

        await Api.ExpectAsync(await close, HttpStatusCode.OK);
        (await Api.ExpectAsync(await late, HttpStatusCode.Conflict)).ErrorCode().ShouldBe("conflict");
        (await org.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE organisation_id = @Id")).ShouldBe(0);
    }

    private static async Task<long> WaitingOnAdvisoryLocksAsync(Npgsql.NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'");
    }
}
