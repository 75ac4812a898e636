using System.Net.Http.Json;
using System.Text.Json;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Accounting.Auth.Tests;

/// <summary>The auth service on the real servers, with a clock the tests move.</summary>
public sealed class AuthFactory : ServiceFactory<Program>
{
    public AuthFactory()
        : base("auth")
    {
    }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Auth:DataKeyPath", TestDataKey.Path);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>A new organisation and its owner, registered through the API.</summary>
    public async Task<Account> RegisterAsync(string? email = null, string password = "correct horse battery staple")
    {
        email ??= $"owner-{Guid.NewGuid():N}@example.com";
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new
        {
            organisation_name = "Acme Ltd",
            email,
            password,
            full_name = "Ada Owner",
        });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Account(
            body.GetProperty("user").GetProperty("id").GetString()!,
            body.GetProperty("organisation").GetProperty("id").GetString()!,
            email,
            password,
            body.GetProperty("tokens").GetProperty("refresh_token").GetString()!,
            body.GetProperty("tokens").GetProperty("access_token").GetString()!);
    }

    /// <summary>A client acting as the user, as the gateway forwards a validated user token.</summary>
    public HttpClient ClientFor(Account account, string role = "owner", string? organisationId = null) =>
        CreateClientFor(new Caller(organisationId ?? account.OrganisationId, account.UserId, PrincipalType.User, role, ApiScopes.ForRole(role)));

    public HttpClient ClientForApiKey(string organisationId, params string[] scopes) =>
        CreateClientFor(new Caller(organisationId, "key_test", PrincipalType.ApiKey, null, scopes.ToHashSet()));

    public HttpClient ClientForGateway() =>
        CreateClientFor(new Caller("", "gateway", PrincipalType.Service, null, new HashSet<string>()));
}

public sealed record Account(string UserId, string OrganisationId, string Email, string Password, string RefreshToken, string AccessToken);
