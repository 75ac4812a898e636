using Accounting.ServiceDefaults.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Accounting.Gateway.Authentication;

/// <summary>
/// Validates user access tokens locally against auth's JWKS: no call to auth per request. The key
/// set is re-read periodically and when a token names a key id not seen yet (auth rotated keys),
/// at most once per interval so made-up key ids cannot turn the gateway against auth.
/// </summary>
public sealed class UserTokenValidator(AuthServiceClient auth, IOptions<GatewayOptions> options, TimeProvider clock) : IDisposable
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private readonly SemaphoreSlim refreshing = new(1, 1);
    private KeySet? current;

    public async Task<TokenValidationResult> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var keys = await KeysAsync(cancellationToken);
        var result = await Handler.ValidateTokenAsync(token, keys.Parameters);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException
            && await RefreshAsync(keys, options.Value.JwksUnknownKeyRefreshInterval, cancellationToken) is { } refreshed)
        {
            result = await Handler.ValidateTokenAsync(token, refreshed.Parameters);
        }

        return result;
    }

    private async ValueTask<KeySet> KeysAsync(CancellationToken cancellationToken)
    {
        var keys = current;
        if (keys is not null && clock.GetUtcNow() - keys.FetchedAt < options.Value.JwksRefreshInterval)
        {
            return keys;
        }

        try
        {
            return await RefreshAsync(keys, TimeSpan.Zero, cancellationToken) ?? keys!;
        }
        catch (HttpRequestException) when (keys is not null)
        {
            // Auth is unreachable: the keys we hold are still the best answer until it returns.
            return keys;
        }
    }

    /// <returns>A newer key set, or null when <paramref name="seen"/> is younger than <paramref name="minimumAge"/>.</returns>
    private async Task<KeySet?> RefreshAsync(KeySet? seen, TimeSpan minimumAge, CancellationToken cancellationToken)
    {
        await refreshing.WaitAsync(cancellationToken);
        try
        {
            if (current != seen)
            {
                return current;
            }

            var now = clock.GetUtcNow();
            if (seen is not null && now - seen.FetchedAt < minimumAge)
            {
                return null;
            }

            var jwks = new JsonWebKeySet(await auth.GetJwksAsync(cancellationToken));
            var parameters = UserTokens.ValidationParameters(jwks, options.Value.Issuer, options.Value.Audience);
            parameters.LifetimeValidator = IsWithinLifetime;
            current = new KeySet(parameters, now);
            return current;
        }
        finally
        {
            refreshing.Release();
        }
    }

    private bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return expires is { } expiry
            && now <= expiry + parameters.ClockSkew
            && (notBefore is null || notBefore.Value - parameters.ClockSkew <= now);
    }

    public void Dispose() => refreshing.Dispose();

    private sealed record KeySet(TokenValidationParameters Parameters, DateTimeOffset FetchedAt);
}
