using Accounting.Contracts.Auth;
using Dapper;
using Npgsql;

namespace Accounting.Ledger.Organisations;

/// <summary>
/// The ledger's copy of the settings auth owns (contract §9). Only the highest version is kept:
/// events may arrive late or twice, and an older one never overwrites a newer one.
/// </summary>
public static class OrganisationSettingsStore
{
    /// <summary>Writes <paramref name="settings"/> unless a version at least as new is already stored; true when it was written.</summary>
    public static async Task<bool> ApplyAsync(
        NpgsqlTransaction transaction, string organisationId, OrganisationSettings settings, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(settings);
        return await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO organisation_settings AS current (
                organisation_id, version, base_currency, country, financial_year_end, vat_registered, vat_number, vat_scheme,
                vat_period, vat_stagger, incorporation_date, company_number, auto_categorise_threshold, updated_at)
            VALUES (@OrganisationId, @Version, @BaseCurrency, @Country, @FinancialYearEnd, @VatRegistered, @VatNumber, @VatScheme,
                @VatPeriod, @VatStagger, @IncorporationDate, @CompanyNumber, @AutoCategoriseThreshold, now())
            ON CONFLICT (organisation_id) DO UPDATE SET
                version = excluded.version, base_currency = excluded.base_currency, country = excluded.country,
                financial_year_end = excluded.financial_year_end, vat_registered = excluded.vat_registered,
                vat_number = excluded.vat_number, vat_scheme = excluded.vat_scheme, vat_period = excluded.vat_period,
                vat_stagger = excluded.vat_stagger, incorporation_date = excluded.incorporation_date,
                company_number = excluded.company_number, auto_categorise_threshold = excluded.auto_categorise_threshold,
                updated_at = excluded.updated_at
            WHERE excluded.version > current.version
            """,
            new
            {
                OrganisationId = organisationId,
                Version = version,
                settings.BaseCurrency,
                settings.Country,
                settings.FinancialYearEnd,
                settings.VatRegistered,
                settings.VatNumber,
                settings.VatScheme,
                settings.VatPeriod,
                settings.VatStagger,
                settings.IncorporationDate,
                settings.CompanyNumber,
                settings.AutoCategoriseThreshold,
            },
            transaction, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The organisation's settings, or <see cref="OrganisationSettings.Defaults"/> before auth's first event has arrived.</summary>
    public static async Task<OrganisationSettings> GetAsync(
        NpgsqlConnection connection, string organisationId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var row = await connection.QuerySingleOrDefaultAsync<SettingsRow>(new CommandDefinition(
            """
            SELECT base_currency, country, financial_year_end, vat_registered, vat_number, vat_scheme, vat_period,
                   vat_stagger, incorporation_date, company_number, auto_categorise_threshold
            FROM organisation_settings WHERE organisation_id = @OrganisationId
            """,
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        return row is null ? OrganisationSettings.Defaults : row.ToSettings();
    }

    private sealed class SettingsRow
    {
        public string BaseCurrency { get; init; } = "";

        public string Country { get; init; } = "";

        public string FinancialYearEnd { get; init; } = "";

        public bool VatRegistered { get; init; }

        public string? VatNumber { get; init; }

        public string? VatScheme { get; init; }

        public string? VatPeriod { get; init; }

        public int? VatStagger { get; init; }

        public DateTime? IncorporationDate { get; init; }

        public string? CompanyNumber { get; init; }

        public decimal AutoCategoriseThreshold { get; init; }

        public OrganisationSettings ToSettings() => new()
        {
            BaseCurrency = BaseCurrency,
            Country = Country,
            FinancialYearEnd = FinancialYearEnd,
            VatRegistered = VatRegistered,
            VatNumber = VatNumber,
            VatScheme = VatScheme,
            VatPeriod = VatPeriod,
            VatStagger = VatStagger,
            IncorporationDate = IncorporationDate is { } date ? DateOnly.FromDateTime(date) : null,
            CompanyNumber = CompanyNumber,
            AutoCategoriseThreshold = AutoCategoriseThreshold,
        };
    }
}
