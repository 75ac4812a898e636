using Accounting.Contracts.Auth;
using Accounting.Contracts.Ledger;
using Accounting.Messaging;
using Dapper;
using Accounting.Reports.Reports;
using Npgsql;

namespace Accounting.Reports.ReadModel;

public sealed class JournalEntryPostedConsumer(NpgsqlDataSource dataSource, JournalApplier applier)
    : IdempotentConsumer<JournalEntryPosted>(dataSource)
{
    protected override Task HandleAsync(JournalEntryPosted message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        applier.ReceiveAsync(transaction, [message], cancellationToken);
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
