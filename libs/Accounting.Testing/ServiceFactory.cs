using System.Net.Http.Headers;
using Accounting.ServiceDefaults.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Accounting.Testing;

/// <summary>
/// Hosts one service against the real servers, with a database of its own, trusting the
/// identities <see cref="TestIdentity"/> mints for it.
/// </summary>
public class ServiceFactory<TProgram>(string serviceName) : WebApplicationFactory<TProgram>, IAsyncLifetime
    where TProgram : class
{
    private TestDatabase? database;

    public string ServiceName { get; } = serviceName;

    public TestDatabase Database => database ?? throw new InvalidOperationException("The factory is not initialised yet.");

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    /// <summary>A client whose requests carry a gateway-signed identity for <paramref name="caller"/>.</summary>
    public HttpClient CreateClientFor(Caller caller)
    {
        var client = CreateClient();
        // Minted on the service's own clock, which a test may have moved.
        var clock = Services.GetRequiredService<TimeProvider>();
        client.DefaultRequestHeaders.Add(InternalIdentityOptions.HeaderName, TestIdentity.Mint(caller, ServiceName, clock));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", Database.ConnectionString);
        builder.UseSetting("ConnectionStrings:RabbitMq", TestEnvironment.RabbitMq);
        builder.UseSetting("ConnectionStrings:Redis", TestEnvironment.Redis);
        builder.UseSetting("InternalIdentity:VerificationKeyPath", TestIdentity.VerificationKeyPath);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}
