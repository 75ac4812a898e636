using System.Collections.Frozen;
using System.Net;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Yarp.ReverseProxy;

namespace Accounting.Gateway.Authentication;

/// <summary>An API key as auth resolved it from its hash.</summary>
public sealed record ResolvedApiKey(
    string KeyId,
    string OrganisationId,
    string Mode,
    IReadOnlyList<string> Scopes,
    string Plan,
    DateTimeOffset? ExpiresAt,
    string Status)
{
    public bool IsUsableAt(DateTimeOffset now) => Status == "active" && (ExpiresAt is null || ExpiresAt > now);
}

public sealed record ApiKeyUsage(string KeyId, DateTimeOffset LastUsedAt);

/// <summary>
/// The auth service's internal endpoints, reached at the address YARP routes auth traffic to and
/// called with a service identity the gateway signs for auth.
/// </summary>
public sealed class AuthServiceClient(HttpClient http, IProxyStateLookup proxy, InternalIdentityMinter identities)
{
    public const string ClusterId = "auth";

    private static readonly Caller Gateway = new("", "gateway", PrincipalType.Service, null, FrozenSet<string>.Empty);

    /// <returns>The key, or null when auth knows no key with this hash.</returns>
    public async Task<ResolvedApiKey?> ResolveApiKeyAsync(string keyHash, CancellationToken cancellationToken)
    {
        using var request = Internal(HttpMethod.Post, "internal/api-keys/resolve", new { KeyHash = keyHash });
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<ResolvedApiKey>(JsonDefaults.Options, cancellationToken)
            ?? throw new HttpRequestException("Auth answered a key resolution with an empty body.");
    }

    public async Task RecordUsageAsync(IReadOnlyList<ApiKeyUsage> usages, CancellationToken cancellationToken)
    {
        using var request = Internal(HttpMethod.Post, "internal/api-keys/usage", new { Usages = usages });
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task RecordRequestsAsync(IReadOnlyList<RequestLog.LoggedRequest> entries, CancellationToken cancellationToken)
    {
        using var request = Internal(HttpMethod.Post, "internal/request-log", new { Entries = entries });
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<string> GetJwksAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(BaseAddress(), ".well-known/jwks.json"), cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private HttpRequestMessage Internal(HttpMethod method, string path, object body)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress(), path))
        {
            Content = JsonContent.Create(body, options: JsonDefaults.Options),
        };
        request.Headers.Add(InternalIdentityOptions.HeaderName, identities.For(Gateway, ClusterId));
        return request;
    }

    private Uri BaseAddress()
    {
        var destination = proxy.TryGetCluster(ClusterId, out var cluster)
            ? cluster.Destinations.Values.FirstOrDefault()
            : null;
        var address = destination?.Model.Config.Address
            ?? throw new HttpRequestException($"The reverse proxy has no destination for the {ClusterId} cluster.");
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
