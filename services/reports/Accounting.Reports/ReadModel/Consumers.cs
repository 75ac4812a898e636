using Accounting.Contracts.Auth;
using Accounting.Contracts.Ledger;
using Accounting.Messaging;
using Accounting.Reports.Reports;
using Accounting.ServiceDefaults;
using Dapper;
using MassTransit;
using Npgsql;

namespace Accounting.Reports.ReadModel;

/// <summary>
/// Journal entries arrive in batches (up to <see cref="MessageLimit"/>), applied in one transaction:
/// consecutive entries of an organisation cost one set of statements, not one transaction each.
/// It keeps <see cref="IdempotentConsumer{TEvent}"/>'s guarantee for a batch: every event id is
/// recorded in the inbox in the same transaction as the effects, and only first deliveries are applied.
/// </summary>
public sealed class JournalEntryPostedConsumer(NpgsqlDataSource dataSource, JournalApplier applier) : IConsumer<Batch<JournalEntryPosted>>
{
    // A backlog (after a restart, a slow spell) is applied in large batches: the per-line work of a
    // set-based statement is the same, and every day and month touched twice in a batch is written once.
    public const int MessageLimit = 1000;

    public static void Configure(IConsumerConfigurator<JournalEntryPostedConsumer> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        // A short time limit: a report waits for entries in flight, so a lone entry must not wait long for company.
        consumer.Options<BatchOptions>(batch => batch.SetMessageLimit(MessageLimit).SetTimeLimit(TimeSpan.FromMilliseconds(20)).SetConcurrencyLimit(2));
    }

    public async Task Consume(ConsumeContext<Batch<JournalEntryPosted>> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var messages = context.Message.Select(m => m.Message).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A concurrent duplicate blocks on the primary key until the first commits, then inserts nothing;
        // ids go in sorted, so two batches sharing ids wait on each other in the same order, never in a cycle.
        var firstDeliveries = (await connection.QueryAsync<Guid>(new CommandDefinition(
            "INSERT INTO inbox_messages (consumer, event_id) SELECT @Consumer, unnest(@EventIds) ON CONFLICT DO NOTHING RETURNING event_id",
            new { Consumer = GetType().FullName, EventIds = messages.Select(m => m.EventId).Distinct().Order().ToArray() },
            transaction,
            cancellationToken: cancellationToken))).ToHashSet();
        await applier.ReceiveAsync(transaction, [.. messages.Where(m => firstDeliveries.Remove(m.EventId))], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

public sealed class OrganisationCreatedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<OrganisationCreated>(dataSource)
{
    protected override Task HandleAsync(OrganisationCreated message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        OrganisationCopies.KeepAsync(transaction, message.OrganisationId, message.Settings ?? OrganisationSettings.Defaults, message.Version, cancellationToken);
}

public sealed class OrganisationUpdatedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<OrganisationUpdated>(dataSource)
{
    protected override Task HandleAsync(OrganisationUpdated message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        OrganisationCopies.KeepAsync(transaction, message.OrganisationId, message.Settings, message.Version, cancellationToken);
}

/// <summary>The settings reports depend on (base currency, financial year end), copied from the newest version seen.</summary>
public static class OrganisationCopies
{
    public static Task KeepAsync(NpgsqlTransaction transaction, string organisationId, OrganisationSettings settings, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrEmpty(organisationId) || !FinancialYear.IsValidEnd(settings.FinancialYearEnd) || !Currencies.IsKnown(settings.BaseCurrency))
        {
            return Task.CompletedTask;
        }

        // An older version arriving late never overwrites a newer one.
        return transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO organisations AS o (organisation_id, base_currency, financial_year_end, settings_version)
            VALUES (@organisationId, @BaseCurrency, @FinancialYearEnd, @version)
            ON CONFLICT (organisation_id) DO UPDATE
            SET base_currency = excluded.base_currency, financial_year_end = excluded.financial_year_end, settings_version = excluded.settings_version
            WHERE o.settings_version < excluded.settings_version
            """,
            new { organisationId, settings.BaseCurrency, settings.FinancialYearEnd, version },
            transaction,
            cancellationToken: cancellationToken));
    }
}
