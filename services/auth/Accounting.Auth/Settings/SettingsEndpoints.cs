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
        return organisation is null ? ApiError.NotFound() : TypedResults.Ok(organisation.View);
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

        var (name, settings, errors) = OrganisationSettingsRules.Apply(current.View.Name, current.Settings(), patch);
        if (errors.Count > 0)
        {
            return ApiError.ValidationFailed(errors);
        }

        if (name == current.View.Name && settings == current.Settings())
        {
            await write.CommitAsync(cancellationToken);
            return TypedResults.Ok(current.View);
        }

        var updated = current.With(name, settings, services.Clock.GetUtcNow());
        await OrganisationRecords.SaveAsync(write.Transaction, updated, cancellationToken);
        await Outbox.EnqueueAsync(write.Transaction, new OrganisationUpdated
        {
            OrganisationId = updated.View.Id,
            Name = updated.View.Name,
            Plan = updated.View.Plan,
            Settings = settings,
            Version = updated.Version,
            UpdatedBy = caller.PrincipalId,
            OccurredAt = updated.View.UpdatedAt,
        }, updated.View.Id, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(updated.View);
    }
}

/// <summary>An organisations row: what the API shows of it, and the version its settings are at.</summary>
internal sealed record OrganisationRecord(OrganisationSettingsView View, long Version)
{
    public OrganisationSettings Settings() => new()
    {
        BaseCurrency = View.BaseCurrency,
        Country = View.Country,
        FinancialYearEnd = View.FinancialYearEnd,
        VatRegistered = View.VatRegistered,
        VatNumber = View.VatNumber,
        VatScheme = View.VatScheme,
        VatPeriod = View.VatPeriod,
        VatStagger = View.VatStagger,
        IncorporationDate = View.IncorporationDate,
        CompanyNumber = View.CompanyNumber,
        AutoCategoriseThreshold = View.AutoCategoriseThreshold,
    };

    /// <summary>The next version: <paramref name="settings"/> applied at <paramref name="now"/>.</summary>
    public OrganisationRecord With(string name, OrganisationSettings settings, DateTimeOffset now) => new(
        new OrganisationSettingsView(
            View.Id, name, View.Plan, settings.BaseCurrency, settings.Country, settings.FinancialYearEnd, settings.VatRegistered, settings.VatNumber,
            settings.VatScheme, settings.VatPeriod, settings.VatStagger, settings.IncorporationDate, settings.CompanyNumber,
            settings.AutoCategoriseThreshold, View.CreatedAt, now),
        Version + 1);
}

internal static class OrganisationRecords
{
    /// <summary>Inside a transaction the row is locked until it ends.</summary>
    public static async Task<OrganisationRecord?> FindAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string organisationId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<OrganisationSettingsView, long, OrganisationRecord>(new CommandDefinition(
            $"""
            SELECT id, name, plan, base_currency, country, financial_year_end, vat_registered, vat_number, vat_scheme, vat_period,
                   vat_stagger::integer AS vat_stagger, incorporation_date, company_number, auto_categorise_threshold, created_at, updated_at,
                   settings_version AS version
            FROM organisations WHERE id = @OrganisationId {(transaction is null ? "" : "FOR UPDATE")}
            """,
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken),
            // numeric(5,4) reads back as 0.9000; shown as the client wrote it.
            (view, version) => new(view with { AutoCategoriseThreshold = view.AutoCategoriseThreshold / 1.0000000000000000000000000000m }, version),
            splitOn: "version")).SingleOrDefault();

    public static Task<int> SaveAsync(NpgsqlTransaction transaction, OrganisationRecord organisation, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE organisations SET name = @Name, base_currency = @BaseCurrency, country = @Country, financial_year_end = @FinancialYearEnd,
                vat_registered = @VatRegistered, vat_number = @VatNumber, vat_scheme = @VatScheme, vat_period = @VatPeriod,
                vat_stagger = @VatStagger::smallint, incorporation_date = @IncorporationDate, company_number = @CompanyNumber,
                auto_categorise_threshold = @AutoCategoriseThreshold, updated_at = @UpdatedAt, settings_version = @Version
            WHERE id = @Id
            """,
            WithVersion(organisation), transaction, cancellationToken: cancellationToken));

    private static DynamicParameters WithVersion(OrganisationRecord organisation)
    {
        var parameters = new DynamicParameters(organisation.View);
        parameters.Add(nameof(organisation.Version), organisation.Version);
        return parameters;
    }
}
