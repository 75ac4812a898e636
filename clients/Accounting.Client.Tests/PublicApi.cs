extern alias auth;
extern alias gateway;
extern alias ledger;

using System.Net;
using Accounting.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using DefaultChart = ledger::Accounting.Ledger.Chart.DefaultChart;

namespace Accounting.Client.Tests;

/// <summary>
/// The gateway in front of auth and the ledger, each on a real loopback port, as an API consumer
/// meets them. Reports and webhooks are not part of the flows here; their routes point nowhere.
/// </summary>
public sealed class PublicApi : IAsyncLifetime, IAsyncDisposable
{
    private readonly AuthHost authHost = new();
    private readonly LedgerHost ledgerHost = new();
    private GatewayHost? gatewayHost;

    public Uri Gateway => gatewayHost?.Address ?? throw new InvalidOperationException("The API is not started yet.");

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)authHost).InitializeAsync();
        await ((IAsyncLifetime)ledgerHost).InitializeAsync();
        var auth = authHost.Start();
        var ledger = ledgerHost.Start();
        // A service's first document takes long to build on a busy machine, longer than the gateway
        // waits for it (it then leaves the service out): built once here, they are quick to fetch.
        await WarmUpDocumentAsync(auth);
        await WarmUpDocumentAsync(ledger);
        gatewayHost = new GatewayHost(auth, ledger);
        gatewayHost.Start();
    }

    /// <summary>
    /// Gives the ledger the organisation <paramref name="organisationId"/> as its organisation.created
    /// consumer would: the ledger here uses no broker (see <see cref="LedgerHost"/>).
    /// </summary>
    public async Task SeedLedgerOrganisationAsync(string organisationId)
    {
        var db = ledgerHost.Services.GetRequiredService<NpgsqlDataSource>();
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await DefaultChart.SeedAsync(transaction, organisationId, CancellationToken.None);
        await transaction.CommitAsync();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (gatewayHost is not null)
        {
            await gatewayHost.DisposeAsync();
        }

        await ((IAsyncLifetime)ledgerHost).DisposeAsync();
        await ((IAsyncLifetime)authHost).DisposeAsync();
    }

    private static async Task WarmUpDocumentAsync(Uri service)
    {
        using var http = new HttpClient { BaseAddress = service, Timeout = TimeSpan.FromMinutes(2) };
        using var response = await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Listens on a free loopback port; returns where.</summary>
    private static Uri StartOnLoopback<TProgram>(WebApplicationFactory<TProgram> factory)
        where TProgram : class
    {
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address);
    }

    private sealed class AuthHost() : ServiceFactory<auth::Program>("auth")
    {
        public Uri Start() => StartOnLoopback(this);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Auth:DataKeyPath", TestDataKey.Path);
        }
    }

    /// <summary>
    /// Every ledger host of a test run would consume the same queues, so one here could take
    /// another test's events (and they its own): this one is given a broker address that
    /// accepts no one, and its events wait in its outbox.
    /// </summary>
    private sealed class LedgerHost() : ServiceFactory<ledger::Program>("ledger")
    {
        public Uri Start() => StartOnLoopback(this);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ConnectionStrings:RabbitMq", new Uri(new Uri(TestEnvironment.RabbitMq), "accounting-client-tests-no-broker").ToString());
        }
    }

    private sealed class GatewayHost(Uri auth, Uri ledger) : WebApplicationFactory<gateway::Program>
    {
        // Nothing listens on the discard port: a route there is a 503 and the combined document says the service is unavailable.
        private static readonly Uri Nowhere = new("http://127.0.0.1:9/");

        public Uri? Address { get; private set; }

        public void Start() => Address = StartOnLoopback(this);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Redis", TestEnvironment.Redis);
            builder.UseSetting("InternalIdentity:SigningKeyPath", TestIdentity.SigningKeyPath);
            foreach (var (cluster, address) in new[] { ("auth", auth), ("ledger", ledger), ("reports", Nowhere), ("webhooks", Nowhere) })
            {
                builder.UseSetting($"ReverseProxy:Clusters:{cluster}:Destinations:primary:Address", address.ToString());
            }
        }
    }
}
