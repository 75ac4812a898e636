using Accounting.Contracts.Auth;
using Npgsql;

namespace Accounting.Ledger.Banking;

/// <summary>The organisation's <c>auto_categorise_threshold</c> (contract §9).</summary>
public static class AutoCategorisation
{
    /// <summary>
    /// The confidence at or above which the categoriser's guess is applied at once. The ledger has no
    /// copy of organisation settings yet, so every organisation gets the default (0.9); once the
    /// ledger's <c>organisation_settings</c> table exists this reads it, and only this changes.
    /// </summary>
    public static Task<decimal> ThresholdAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrEmpty(organisationId);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(OrganisationSettings.Defaults.AutoCategoriseThreshold);
    }
}
