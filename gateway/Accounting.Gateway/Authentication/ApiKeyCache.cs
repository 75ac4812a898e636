using System.Collections.Concurrent;
using System.Net;
using Accounting.Gateway.RateLimiting;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.Authentication;

/// <summary>What a lookup found; <see cref="Budget"/> is the failure budget of the client that asked auth.</summary>
/// <param name="Key">The key, or null when auth knows no key with this hash (or was not asked).</param>
public readonly record struct ApiKeyLookup(ResolvedApiKey? Key, RateLimitDecision? Budget)
{
    /// <summary>The client's failure budget was spent, so auth was not asked.</summary>
    public bool Refused => Budget is { Admitted: false };
}

/// <summary>
/// Key resolutions by hash, in front of auth. Keys auth knows and hashes it does not are kept
/// apart, each bounded, so a flood of made-up keys churns only the second; a full cache makes room
/// by dropping its least recently used entries, never by forgetting everything. Concurrent
/// requests with the same new key share one lookup; failures are not cached, so an auth outage
/// heals as soon as auth answers again.
/// </summary>
/// <remarks>
/// Each lookup spends one failure of the asking client's budget before auth is asked, and gives it
/// back when the key is good or auth could not answer: so a client that has spent its budget makes
/// auth look up nothing more, however many requests it sends at once. Requests that join a lookup
/// share its outcome, whichever client started it.
/// </remarks>
public sealed class ApiKeyCache : IDisposable
{
    private readonly AuthServiceClient auth;
    private readonly ClientAddressLimits budgets;
    private readonly GatewayOptions options;
    private readonly TimeProvider clock;
    private readonly MemoryCache known;
    private readonly MemoryCache unknown;
    private readonly ConcurrentDictionary<string, Lazy<Task<ApiKeyLookup>>> lookups = new(StringComparer.Ordinal);

    public ApiKeyCache(AuthServiceClient auth, ClientAddressLimits budgets, IOptions<GatewayOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.auth = auth;
        this.budgets = budgets;
        this.options = options.Value;
        this.clock = clock;
        var expiryClock = new ExpiryClock(clock);
        known = new MemoryCache(new MemoryCacheOptions { SizeLimit = this.options.ApiKeyCacheSize, Clock = expiryClock });
        unknown = new MemoryCache(new MemoryCacheOptions { SizeLimit = this.options.UnknownApiKeyCacheSize, Clock = expiryClock });
    }

    /// <summary>Answers from memory when it can.</summary>
    /// <param name="key">The key, or null when auth recently said it has no key with this hash.</param>
    /// <returns>False when only auth can tell.</returns>
    public bool TryGetCached(string keyHash, out ResolvedApiKey? key)
    {
        if (known.TryGetValue(keyHash, out key))
        {
            return true;
        }

        return unknown.TryGetValue(keyHash, out _);
    }

    /// <summary>Asks auth, once for all concurrent callers, within <paramref name="client"/>'s failure budget, and remembers the answer.</summary>
    public Task<ApiKeyLookup> ResolveAsync(string keyHash, IPAddress? client, CancellationToken cancellationToken) =>
        lookups.GetOrAdd(keyHash, static (hash, state) => state.Cache.NewLookup(hash, state.Client), (Cache: this, Client: client))
            .Value.WaitAsync(cancellationToken);

    /// <summary>Forgets one key at once: auth announced that it was revoked.</summary>
    public void Evict(string keyHash) => known.Remove(keyHash);

    /// <summary>Forgets every key: revocation notices may have been missed while Redis was unreachable.</summary>
    public void Clear() => known.Clear();

    public void Dispose()
    {
        known.Dispose();
        unknown.Dispose();
    }

    private Lazy<Task<ApiKeyLookup>> NewLookup(string keyHash, IPAddress? client)
    {
        Lazy<Task<ApiKeyLookup>>? lookup = null;
        lookup = new Lazy<Task<ApiKeyLookup>>(async () =>
        {
            try
            {
                // A lookup that finished while this caller was on its way has already cached the answer.
                return TryGetCached(keyHash, out var cached) ? new ApiKeyLookup(cached, null) : await AskAuthAsync(keyHash, client);
            }
            finally
            {
                // Only after the answer is cached, so that no request in between asks auth again.
                lookups.TryRemove(KeyValuePair.Create(keyHash, lookup!));
            }
        });
        return lookup;
    }

    private async Task<ApiKeyLookup> AskAuthAsync(string keyHash, IPAddress? client)
    {
        var budget = await budgets.TakeFailureAsync(client);
        if (!budget.Admitted)
        {
            return new ApiKeyLookup(null, budget);
        }

        var failed = false;
        try
        {
            // Not bound to the first caller's cancellation: other requests may be awaiting the same lookup.
            var key = await auth.ResolveApiKeyAsync(keyHash, CancellationToken.None);
            Remember(keyHash, key);
            failed = key is null || !key.IsUsableAt(clock.GetUtcNow());
            return new ApiKeyLookup(key, budget);
        }
        finally
        {
            if (!failed)
            {
                await budgets.GiveBackFailureAsync(client);
            }
        }
    }

    private void Remember(string keyHash, ResolvedApiKey? key)
    {
        // A full cache turns the entry away and compacts itself in the background, least recently used first.
        if (key is null)
        {
            unknown.Set(keyHash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.UnknownApiKeyCacheDuration });
        }
        else
        {
            known.Set(keyHash, key, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.ApiKeyCacheDuration });
        }
    }

    /// <summary>Entries expire on the injected clock, so tests can move past a lifetime without waiting.</summary>
    private sealed class ExpiryClock(TimeProvider clock) : ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
