using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Npgsql;

namespace Accounting.Ledger.Organisations;

/// <summary>Follows auth's settings changes; the version decides, not the order of arrival.</summary>
public sealed class OrganisationUpdatedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<OrganisationUpdated>(dataSource)
{
    protected override Task HandleAsync(OrganisationUpdated message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return OrganisationSettingsStore.ApplyAsync(transaction, message.OrganisationId, message.Settings, message.Version, cancellationToken);
    }
}
