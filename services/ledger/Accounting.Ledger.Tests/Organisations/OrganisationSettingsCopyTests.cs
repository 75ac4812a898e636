using Accounting.Contracts.Auth;
using Accounting.Ledger.Organisations;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Accounting.Ledger.Tests.Organisations;

[Collection(nameof(BrokerConsumers))]
public sealed class OrganisationSettingsCopyTests(LedgerFactory factory) : IClassFixture<LedgerFactory>
{
    private static readonly OrganisationSettings VatQuarterly = OrganisationSettings.Defaults with
    {
        FinancialYearEnd = "03-31",
        VatRegistered = true,
        VatNumber = "GB123456782",
        VatScheme = "standard",
        VatPeriod = "quarterly",
        VatStagger = 1,
        IncorporationDate = new DateOnly(2020, 2, 29),
        CompanyNumber = "01234567",
        AutoCategoriseThreshold = 0.75m,
    };

    [Fact]
    public async Task Organisation_created_without_settings_stores_the_defaults_at_version_1()
    {
        var organisationId = Ids.New("org");
        var created = Created(organisationId, settings: null);

        await PublishAndWaitAsync(created);

        (await StoredAsync(organisationId)).ShouldBe((1L, OrganisationSettings.Defaults));
    }

    [Fact]
    public async Task Settings_events_applied_in_order_leave_the_latest_settings()
    {
        var organisationId = Ids.New("org");
        var monthly = VatQuarterly with { VatPeriod = "monthly", VatStagger = null };

        await PublishAndWaitAsync(Created(organisationId, VatQuarterly));
        await PublishAndWaitAsync(Updated(organisationId, monthly, version: 2));
        await PublishAndWaitAsync(Updated(organisationId, monthly with { AutoCategoriseThreshold = 0.8m }, version: 3));

        (await StoredAsync(organisationId)).ShouldBe((3L, monthly with { AutoCategoriseThreshold = 0.8m }));
    }

    [Fact]
    public async Task An_older_settings_event_arriving_after_a_newer_one_changes_nothing()
    {
        var organisationId = Ids.New("org");
        var third = VatQuarterly with { VatStagger = 3 };

        await PublishAndWaitAsync(Updated(organisationId, third, version: 3));
        await PublishAndWaitAsync(Updated(organisationId, VatQuarterly with { VatStagger = 2 }, version: 2));
        await PublishAndWaitAsync(Created(organisationId, VatQuarterly));

        (await StoredAsync(organisationId)).ShouldBe((3L, third));
        (await ChartSizeAsync(organisationId)).ShouldBeGreaterThan(0, "the late organisation.created still seeds the chart");
    }

    [Fact]
    public async Task A_redelivered_settings_event_is_applied_once()
    {
        var organisationId = Ids.New("org");
        var update = Updated(organisationId, VatQuarterly, version: 2);
        var bus = factory.Services.GetRequiredService<IBus>();

        await bus.Publish(update);
        await bus.Publish(update);
        await PublishAndWaitAsync(update);

        (await StoredAsync(organisationId)).ShouldBe((2L, VatQuarterly));
        (await ScalarAsync<long>("SELECT count(*) FROM inbox_messages WHERE event_id = @EventId", new { update.EventId })).ShouldBe(1);
    }

    [Fact]
    public async Task An_organisation_whose_settings_never_arrived_reads_as_the_defaults()
    {
        await using var db = factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();

        (await OrganisationSettingsStore.GetAsync(connection, Ids.New("org"), CancellationToken.None)).ShouldBe(OrganisationSettings.Defaults);
    }

    private static OrganisationCreated Created(string organisationId, OrganisationSettings? settings) =>
        new() { OrganisationId = organisationId, Name = "Acme Ltd", Plan = "free", CreatedBy = "usr_owner", Settings = settings };

    private static OrganisationUpdated Updated(string organisationId, OrganisationSettings settings, long version) =>
        new() { OrganisationId = organisationId, Name = "Acme Ltd", Plan = "free", UpdatedBy = "usr_owner", Settings = settings, Version = version };

    private async Task PublishAndWaitAsync<T>(T message)
        where T : Contracts.IntegrationEvent
    {
        await factory.Services.GetRequiredService<IBus>().Publish(message);
        var handled = await Eventually.HoldsAsync(
            async () => await ScalarAsync<long>("SELECT count(*) FROM inbox_messages WHERE event_id = @EventId", new { message.EventId }) == 1,
            TimeSpan.FromSeconds(30));
        handled.ShouldBeTrue($"{typeof(T).Name} {message.EventId} was not consumed");
    }

    private async Task<(long Version, OrganisationSettings Settings)> StoredAsync(string organisationId)
    {
        await using var db = factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        var version = await connection.ExecuteScalarAsync<long>(
            "SELECT version FROM organisation_settings WHERE organisation_id = @organisationId", new { organisationId });
        return (version, await OrganisationSettingsStore.GetAsync(connection, organisationId, CancellationToken.None));
    }

    private Task<long> ChartSizeAsync(string organisationId) =>
        ScalarAsync<long>("SELECT count(*) FROM accounts WHERE organisation_id = @organisationId", new { organisationId });

    private async Task<T> ScalarAsync<T>(string sql, object parameters)
    {
        await using NpgsqlDataSource db = factory.Database.CreateDataSource();
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }
}
