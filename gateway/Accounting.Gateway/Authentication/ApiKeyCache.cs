using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.Authentication;

/// <summary>
/// Key resolutions by hash, in front of auth. Concurrent requests with the same new key share one
/// lookup; failures are not cached, so an auth outage heals as soon as auth answers again.
/// </summary>
public sealed class ApiKeyCache(AuthServiceClient auth, IOptions<GatewayOptions> options, TimeProvider clock)
{
    // Bounds memory against a flood of made-up keys; clearing costs one lookup per live key.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async Task<ResolvedApiKey?> GetAsync(string keyHash, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var entry = entries.AddOrUpdate(
            keyHash,
            static (hash, state) => state.Cache.NewEntry(hash, state.Now),
            static (hash, existing, state) => state.Cache.IsFresh(existing, state.Now) ? existing : state.Cache.NewEntry(hash, state.Now),
            (Cache: this, Now: now));
        try
        {
            return await entry.Resolution.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            entries.TryRemove(KeyValuePair.Create(keyHash, entry));
            throw;
        }
    }

    /// <summary>Forgets one key at once: auth announced that it was revoked.</summary>
    public void Evict(string keyHash) => entries.TryRemove(keyHash, out _);

    /// <summary>Forgets every key: revocation notices may have been missed while Redis was unreachable.</summary>
    public void Clear() => entries.Clear();

    private Entry NewEntry(string keyHash, DateTimeOffset now)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        // Not bound to the first caller's cancellation: other requests may be awaiting the same lookup.
        return new Entry(new Lazy<Task<ResolvedApiKey?>>(() => auth.ResolveApiKeyAsync(keyHash, CancellationToken.None)), now);
    }

    private bool IsFresh(Entry entry, DateTimeOffset now)
    {
        if (!entry.Resolution.IsValueCreated || !entry.Resolution.Value.IsCompletedSuccessfully)
        {
            return true;
        }

        var lifetime = entry.Resolution.Value.Result is null
            ? options.Value.UnknownApiKeyCacheDuration
            : options.Value.ApiKeyCacheDuration;
        return now - entry.ResolvedAt < lifetime;
    }

    private sealed record Entry(Lazy<Task<ResolvedApiKey?>> Resolution, DateTimeOffset ResolvedAt);
}
