using Dapper;
using Npgsql;

namespace Accounting.Ledger.Documents;

/// <summary>What a document may be attached to, always within the caller's organisation.</summary>
internal static class DocumentLinks
{
    private static readonly Dictionary<string, (string Prefix, string Sql)> Targets = new(StringComparer.Ordinal)
    {
        ["invoice"] = ("inv", "SELECT EXISTS (SELECT 1 FROM trade_documents WHERE id = @Id AND organisation_id = @OrganisationId AND kind = 'invoice')"),
        ["bill"] = ("bill", "SELECT EXISTS (SELECT 1 FROM trade_documents WHERE id = @Id AND organisation_id = @OrganisationId AND kind = 'bill')"),
        ["transaction"] = ("txn", "SELECT EXISTS (SELECT 1 FROM bank_transactions WHERE id = @Id AND organisation_id = @OrganisationId)"),
        ["journal_entry"] = ("je", "SELECT EXISTS (SELECT 1 FROM journal_entries WHERE id = @Id AND organisation_id = @OrganisationId)"),
    };

    public static readonly string[] Types = [.. Targets.Keys];

    /// <summary>The kind an id names by its prefix (<c>inv_…</c> is an invoice), null when none.</summary>
    public static string? TypeOf(string id) =>
        Targets.FirstOrDefault(target => id.StartsWith(target.Value.Prefix + "_", StringComparison.Ordinal)).Key;

    public static Task<bool> ExistsAsync(NpgsqlConnection connection, string type, string id, string organisationId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            Targets[type].Sql, new { Id = id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
}
