using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Contracts;
using Accounting.Contracts.Auth;
using Accounting.Messaging;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;
using Microsoft.Extensions.Time.Testing;

namespace Accounting.Webhooks.Tests;

/// <summary>
/// How every webhooks host of the tests is set up: its own event queue (so concurrent test hosts
/// do not take each other's events), a clock the test moves, a fast poll, local stub receivers
/// allowed (loopback is the only private network, as in local runs).
/// </summary>
public sealed record WebhooksTestSettings(
    string EventQueue, FakeTimeProvider Clock, IReadOnlyList<string> AllowedPrivateNetworks, bool AllowHttp = true, int MaxEndpoints = 20, int MaxConcurrentAttempts = 64)
{
    public static readonly IReadOnlyList<string> Loopback = ["127.0.0.0/8", "::1/128"];

    public static WebhooksTestSettings Create(IReadOnlyList<string>? allowedPrivateNetworks = null, bool allowHttp = true) =>
        new("webhooks-tests-" + Guid.NewGuid().ToString("N")[..12], new FakeTimeProvider(DateTimeOffset.UtcNow), allowedPrivateNetworks ?? Loopback, allowHttp);

    public void Apply(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Webhooks:EventQueue", EventQueue);
        builder.UseSetting("Webhooks:DataKeyPath", TestDataKey.Path);
        for (var i = 0; i < AllowedPrivateNetworks.Count; i++)
        {
            builder.UseSetting($"Webhooks:AllowedPrivateNetworks:{i}", AllowedPrivateNetworks[i]);
        }

        builder.UseSetting("Webhooks:AllowHttp", AllowHttp.ToString());
        builder.UseSetting("Webhooks:MaxConcurrentAttempts", MaxConcurrentAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Webhooks:MaxEndpointsPerOrganisation", MaxEndpoints.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
        // Longer than any test waits, so no attempt is ever cut short by real time passing on a slow machine.
        builder.UseSetting("Webhooks:DeliveryTimeout", "00:01:00");
        builder.UseSetting("Outbox:PollInterval", "00:00:00.200");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            // The queue must be bound before a test publishes, or its first events have nowhere to go.
            services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        });
    }

    public async Task DeleteQueueAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMq) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(EventQueue);
        await channel.ExchangeDeleteAsync(EventQueue);
    }
}

/// <summary>The webhooks service on the real servers, with a database and event queue of its own.</summary>
public class WebhooksFactory : ServiceFactory<Program>, IAsyncLifetime
{
    public WebhooksFactory()
        : this(WebhooksTestSettings.Create())
    {
    }

    protected WebhooksFactory(WebhooksTestSettings settings)
        : base("webhooks") => Settings = settings;

    public WebhooksTestSettings Settings { get; }

    public FakeTimeProvider Clock => Settings.Clock;

    /// <summary>Another host of the service on the same database and queue: a second replica, or the service after a restart.</summary>
    public WebhooksReplica CreateReplica() => new(Database.ConnectionString, Settings);

    /// <summary>A client acting for <paramref name="organisationId"/> (by default with <c>webhooks:write</c>), whose identity stays valid however far the test moves the clock.</summary>
    public HttpClient ClientFor(string organisationId, params string[] scopes) =>
        CreateDefaultClient(new FreshIdentityHandler(TestIdentity.Caller(organisationId, scopes.Length == 0 ? ["webhooks:write"] : scopes), ServiceName, Clock));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        Settings.Apply(builder);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Database.DisposeAsync();
        await Settings.DeleteQueueAsync();
    }
}

/// <summary>The service as in production: https only, no private network allowed.</summary>
public sealed class WebhooksFactoryWithoutPrivateTargets() : WebhooksFactory(WebhooksTestSettings.Create(allowedPrivateNetworks: [], allowHttp: false));

/// <summary>A further host of a <see cref="WebhooksFactory"/>'s service; started as soon as it is created.</summary>
public sealed class WebhooksReplica : WebApplicationFactory<Program>
{
    private readonly string connectionString;
    private readonly WebhooksTestSettings settings;

    public WebhooksReplica(string connectionString, WebhooksTestSettings settings)
    {
        this.connectionString = connectionString;
        this.settings = settings;
        _ = Services;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        builder.UseSetting("ConnectionStrings:RabbitMq", TestEnvironment.RabbitMq);
        builder.UseSetting("InternalIdentity:VerificationKeyPath", TestIdentity.VerificationKeyPath);
        settings.Apply(builder);
    }
}

/// <summary>What the tests do through the service: subscribe receivers, publish events, read deliveries.</summary>
public static class WebhooksTestActions
{
    public static async Task<(string Id, string Secret)> SubscribeAsync(this HttpClient client, string url, params string[] events)
    {
        ArgumentNullException.ThrowIfNull(client);
        var response = await client.PostAsJsonAsync("/api/v1/webhooks", new { url, events = events.Length == 0 ? ["*"] : events });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!);
    }

    /// <summary>Writes an event to the service's own outbox, as any service publishes: the relay takes it to the broker.</summary>
    public static async Task PublishAsync(this WebApplicationFactory<Program> factory, params IntegrationEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(factory);
        await using var connection = await factory.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var @event in events)
        {
            await Outbox.EnqueueAsync(transaction, @event, @event.EventId.ToString(), default);
        }

        await transaction.CommitAsync();
    }

    public static ApiKeyCreated KeyCreated(string organisationId) => new()
    {
        OrganisationId = organisationId,
        KeyId = "key_" + Guid.NewGuid().ToString("N")[..10],
        Name = "Xero sync",
        Mode = "live",
        Scopes = ["invoices:write"],
        CreatedBy = "usr_test",
    };

    public static string NewOrganisation() => "org_" + Guid.NewGuid().ToString("N")[..16];

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        ArgumentNullException.ThrowIfNull(client);
        var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The endpoint's only delivery, or null while there is none.</summary>
    public static async Task<JsonElement?> OnlyDeliveryAsync(this HttpClient client, string webhookId) =>
        (await client.DeliveriesAsync(webhookId)) is [var only] ? only : null;

    /// <summary>True once the endpoint's only delivery has had <paramref name="attempts"/> attempts recorded.</summary>
    public static async Task<bool> AttemptedAsync(this HttpClient client, string webhookId, int attempts) =>
        await client.OnlyDeliveryAsync(webhookId) is { } delivery && delivery.GetProperty("attempts").GetInt32() >= attempts;

    public static async Task<bool> SettledAsync(this HttpClient client, string webhookId, string status) =>
        await client.OnlyDeliveryAsync(webhookId) is { } delivery && delivery.GetProperty("status").GetString() == status;

    public static async Task<List<JsonElement>> DeliveriesAsync(this HttpClient client, string webhookId) =>
        [.. (await client.GetJsonAsync($"/api/v1/webhooks/{webhookId}/deliveries")).GetProperty("data").EnumerateArray()];
}
