using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Auth.Settings;

public sealed record OrganisationSettingsView(
    string Id,
    string Name,
    string Plan,
    string BaseCurrency,
    string Country,
    string FinancialYearEnd,
    bool VatRegistered,
    string? VatNumber,
    string? VatScheme,
    string? VatPeriod,
    int? VatStagger,
    DateOnly? IncorporationDate,
    string? CompanyNumber,
    decimal AutoCategoriseThreshold,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record SettingsServices(WriteTransactions Transactions, TimeProvider Clock);

/// <summary>The caller's organisation and its settings (contract §9); every change is an <c>organisation.updated</c>.</summary>
public static class SettingsEndpoints
{
    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/organisation", Get).RequireScope("organisation:read").WithName("getOrganisation");
        app.MapPatch("/api/v1/organisation", Update).RequireScope("organisation:write").Validate<OrganisationPatch>().WithName("updateOrganisation");
        return app;
    }

    private static async Task<Results<Ok<OrganisationSettingsView>, ApiError>> Get(Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var organisation = await OrganisationRecords.FindAsync(connection, null, caller.OrganisationId, cancellationToken);
        return organisation is null ? ApiError.NotFound() : TypedResults.Ok(organisation.View());
    }

    private static async Task<Results<Ok<OrganisationSettingsView>, ApiError>> Update(
        OrganisationPatch patch, Caller caller, [AsParameters] SettingsServices services, CancellationToken cancellationToken)
    {
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        // The row lock orders concurrent changes, so versions are never skipped or repeated.
        var current = await OrganisationRecords.FindAsync(write.Connection, write.Transaction, caller.OrganisationId, cancellationToken);
        if (current is null)
        {
            return ApiError.NotFound();
        }

        var (name, settings, errors) = OrganisationSettingsRules.Apply(current.Name, current.Settings(), patch);
        if (errors.Count > 0)
        {
            return ApiError.ValidationFailed(errors);
        }

        if (name == current.Name && settings == current.Settings())
        {
            await write.CommitAsync(cancellationToken);
            return TypedResults.Ok(current.View());
        }

        var updated = OrganisationRecord.From(current, name, settings, services.Clock.GetUtcNow());
        await OrganisationRecords.SaveAsync(write.Transaction, updated, cancellationToken);
        await Outbox.EnqueueAsync(write.Transaction, new OrganisationUpdated
        {
            OrganisationId = updated.Id,
            Name = updated.Name,
            Plan = updated.Plan,
            Settings = settings,
            Version = updated.Version,
            UpdatedBy = caller.PrincipalId,
            OccurredAt = updated.UpdatedAt,
        }, updated.Id, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(updated.View());
    }
}

/// <summary>An organisations row with its settings and their version.</summary>
internal sealed record OrganisationRecord(
    string Id,
    string Name,
    string Plan,
    string BaseCurrency,
    string Country,
    string FinancialYearEnd,
    bool VatRegistered,
    string? VatNumber,
    string? VatScheme,
    string? VatPeriod,
    int? VatStagger,
    DateOnly? IncorporationDate,
    string? CompanyNumber,
    decimal AutoCategoriseThreshold,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public OrganisationSettings Settings() => new()
    {
        BaseCurrency = BaseCurrency,
        Country = Country,
        FinancialYearEnd = FinancialYearEnd,
        VatRegistered = VatRegistered,
        VatNumber = VatNumber,
        VatScheme = VatScheme,
        VatPeriod = VatPeriod,
        VatStagger = VatStagger,
        IncorporationDate = IncorporationDate,
        CompanyNumber = CompanyNumber,
        // numeric(5,4) reads back as 0.9000; shown as the client wrote it.
        AutoCategoriseThreshold = AutoCategoriseThreshold / 1.0000000000000000000000000000m,
    };

    public OrganisationSettingsView View()
    {
        var settings = Settings();
        return new(
            Id, Name, Plan, settings.BaseCurrency, settings.Country, settings.FinancialYearEnd, settings.VatRegistered, settings.VatNumber,
            settings.VatScheme, settings.VatPeriod, settings.VatStagger, settings.IncorporationDate, settings.CompanyNumber,
            settings.AutoCategoriseThreshold, CreatedAt, UpdatedAt);
    }

    public static OrganisationRecord From(OrganisationRecord current, string name, OrganisationSettings settings, DateTimeOffset now) => current with
    {
        Name = name,
        BaseCurrency = settings.BaseCurrency,
        Country = settings.Country,
        FinancialYearEnd = settings.FinancialYearEnd,
        VatRegistered = settings.VatRegistered,
        VatNumber = settings.VatNumber,
        VatScheme = settings.VatScheme,
        VatPeriod = settings.VatPeriod,
        VatStagger = settings.VatStagger,
        IncorporationDate = settings.IncorporationDate,
        CompanyNumber = settings.CompanyNumber,
        AutoCategoriseThreshold = settings.AutoCategoriseThreshold,
        UpdatedAt = now,
        Version = current.Version + 1,
    };
}

internal static class OrganisationRecords
{
    /// <summary>Inside a transaction the row is locked until it ends.</summary>
    public static Task<OrganisationRecord?> FindAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string organisationId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<OrganisationRecord>(new CommandDefinition(
            $"""
            SELECT id, name, plan, base_currency, country, financial_year_end, vat_registered, vat_number, vat_scheme, vat_period,
                   vat_stagger::integer AS vat_stagger, incorporation_date, company_number, auto_categorise_threshold, created_at, updated_at,
                   settings_version AS version
            FROM organisations WHERE id = @OrganisationId {(transaction is null ? "" : "FOR UPDATE")}
            """,
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    public static Task<int> SaveAsync(NpgsqlTransaction transaction, OrganisationRecord organisation, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE organisations SET name = @Name, base_currency = @BaseCurrency, country = @Country, financial_year_end = @FinancialYearEnd,
                vat_registered = @VatRegistered, vat_number = @VatNumber, vat_scheme = @VatScheme, vat_period = @VatPeriod,
                vat_stagger = @VatStagger::smallint, incorporation_date = @IncorporationDate, company_number = @CompanyNumber,
                auto_categorise_threshold = @AutoCategoriseThreshold, updated_at = @UpdatedAt, settings_version = @Version
            WHERE id = @Id
            """,
            organisation, transaction, cancellationToken: cancellationToken));
}
