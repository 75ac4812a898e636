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

    /// <summary>
    /// A client whose requests carry a gateway-signed identity for <paramref name="caller"/>, minted
    /// afresh for each request as the gateway does: a test that runs longer than the identity's
    /// 60 s lifetime on a slow machine keeps working.
    /// </summary>
    public HttpClient CreateClientFor(Caller caller)
    {
        var client = CreateDefaultClient(new FreshIdentityHandler(caller, ServiceName, Services.GetRequiredService<TimeProvider>()));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>
    /// A client whose requests carry <see cref="TestIdentity.TrustedService"/>'s own identity for
    /// <paramref name="organisationId"/>, as that service signs it for this one's internal endpoints.
    /// </summary>
    public HttpClient CreateServiceClientFor(string organisationId)
    {
        var clock = Services.GetRequiredService<TimeProvider>();
        var client = CreateDefaultClient(new FreshIdentityHandler(() => TestIdentity.MintService(organisationId, ServiceName, clock)));
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
        builder.UseSetting($"ServiceIdentity:TrustedServices:{TestIdentity.TrustedService}:VerificationKeyPath", TestIdentity.ServiceVerificationKeyPath);
        builder.UseSetting("ServiceIdentity:SigningKeyPath", TestIdentity.ServiceSigningKeyPath);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new DeclaredResponses()));
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

/// <summary>Mints the identity per request (on the service's clock), as the gateway or a calling service does for every call.</summary>
public sealed class FreshIdentityHandler(Func<string> mint) : DelegatingHandler
{
    /// <summary>The gateway's identity for <paramref name="caller"/>.</summary>
    public FreshIdentityHandler(Caller caller, string audience, TimeProvider clock)
        : this(() => TestIdentity.Mint(caller, audience, clock))
    {
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Remove(InternalIdentityOptions.HeaderName);
        request.Headers.Add(InternalIdentityOptions.HeaderName, mint());
        return base.SendAsync(request, cancellationToken);
    }
}
