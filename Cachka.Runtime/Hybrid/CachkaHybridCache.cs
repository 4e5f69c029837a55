using Cachka.Internal;
using Cachka.Pipeline;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using LocalEntry = Cachka.Hybrid.HybridPayloads.LocalEntry;

namespace Cachka.Hybrid;

/// <summary>
/// Microsoft's <see cref="HybridCache"/> on Cachka's layers (what <c>AddCachka</c> registers): L1 is HybridCache's
/// local tier, every layer below L1 (SQLite, Redis, an <c>IDistributedCache</c>) its distributed tier. Values are
/// stored as the bytes of their HybridCache serializer (<see cref="HybridPayloads"/>), so a mutable value comes back
/// as a fresh copy on every call; the entry flags choose per call which tiers are read and written. Keys that cannot
/// be cached (empty, longer than <see cref="MaxKeyLength"/>, with control characters) bypass the cache. Tags are
/// Cachka's tags; every entry also carries the reserved tag <c>*</c>, so <c>RemoveByTagAsync("*")</c> removes them all.
/// </summary>
internal sealed partial class CachkaHybridCache : HybridCache
{
    /// <summary>Keys longer than this bypass the cache (HybridCache's default <c>MaximumKeyLength</c>).</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>Values whose payload is larger than this are not cached (HybridCache's default <c>MaximumPayloadBytes</c>, 1 MiB).</summary>
    public const int MaxPayloadBytes = 1024 * 1024;

    private readonly LayeredCache _cache;
    private readonly HybridPayloads _payloads;
    private readonly FlightTable _flights = new();
    private readonly ILogger _logger;
    private static readonly Func<byte[], object> s_local = HybridPayloads.Local;

    public CachkaHybridCache(LayeredCache cache, IServiceProvider? services = null, ILoggerFactory? loggerFactory = null)
    {
        _cache = cache;
        _payloads = new HybridPayloads(services, MaxPayloadBytes);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<HybridCache>();
    }

    /// <summary>The Cachka cache underneath.</summary>
    public ICache Cache => _cache;

    public override ValueTask<T> GetOrCreateAsync<TState, T>(string key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        cancellationToken.ThrowIfCancellationRequested();
        var flags = options?.Flags ?? HybridCacheEntryFlags.None;
        if (!IsCacheable(key))
            return (flags & HybridCacheEntryFlags.DisableUnderlyingData) != 0 ? default : factory(state, cancellationToken);
        if ((flags & HybridCacheEntryFlags.DisableLocalCacheRead) == 0 && _cache.TryGetLocal(key, out LocalEntry local) && TryRead(key, local, out T value))
            return new ValueTask<T>(value);

        var call = new Call(options, flags, EntryTags(tags));
        var flight = _flights.Join<Landed<T>>(FlightKey(key, call.Flags), cancellationToken, out var leader);
        if (flight is null)
            return Unwrap(RunAsync(key, call, state, factory, null, cancellationToken));
        if (leader)
            _ = FlyAsync(flight, key, call, state, factory);
        else
            _cache.Metrics.Joined.Increment();
        return Unwrap(flight.WaitAsync(cancellationToken));
    }

    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var call = new Call(options, options?.Flags ?? HybridCacheEntryFlags.None, EntryTags(tags));
        return IsCacheable(key) ? StoreAsync(key, call, value, null, cancellationToken) : default;
    }

    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default) =>
        IsCacheable(key) ? Ignore(_cache.DeleteAsync(key, cancellationToken)) : default;

    public override async ValueTask RemoveAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
            await RemoveAsync(key, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(tag))
            return default; // as HybridCache: nothing sensible to remove
        return tag == TagIndex.Everything ? _cache.InvalidateEverythingAsync(cancellationToken) : _cache.InvalidateTagAsync(tag, cancellationToken);
    }

    public override async ValueTask RemoveByTagAsync(IEnumerable<string> tags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var tag in tags)
            await RemoveByTagAsync(tag, cancellationToken).ConfigureAwait(false);
    }

    // Never throws: the outcome goes to every caller waiting on the flight.
    private async Task FlyAsync<TState, T>(Flight<Landed<T>> flight, string key, Call call, TState state, Func<TState, CancellationToken, ValueTask<T>> factory)
    {
        try
        {
            var landed = await RunAsync(key, call, state, factory, flight, flight.Token).ConfigureAwait(false);
            flight.Complete(landed); // no-op when RunAsync completed it before writing the distributed tier
        }
        catch (Exception error)
        {
            flight.Fail(error);
        }
        finally
        {
            _flights.Land(flight);
        }
    }

    // One lookup and, on a miss, one factory run and store. A flight is completed as soon as L1 holds the value.
    private async ValueTask<Landed<T>> RunAsync<TState, T>(string key, Call call, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, Flight<Landed<T>>? flight, CancellationToken cancellationToken)
    {
        _cache.BeginOperation();
        var fill = _cache.BeginFill(key);
        try
        {
            if (call.ReadLocal && _cache.PeekLocal(key, out LocalEntry local) && TryRead(key, local, out T _))
                return new Landed<T>(default!, local);
            if (call.ReadDistributed && _cache.HasDistributedTier)
            {
                var localExpiry = call.WriteLocal ? _cache.UtcNow + call.LocalExpiration(_cache.Config.DefaultTtl) : (DateTimeOffset?)null;
                var hit = await _cache.ReadDistributedAsync<byte[]>(key, localExpiry, s_local, call.WriteDistributed, cancellationToken).ConfigureAwait(false);
                var entry = hit.Found ? HybridPayloads.Local(hit.Value) : null;
                if (entry is not null && TryRead(key, entry, out T _))
                    return new Landed<T>(default!, entry);
            }

            if (call.Has(HybridCacheEntryFlags.DisableUnderlyingData))
                return new Landed<T>(default!, null);
            var value = await _cache.RunFactoryAsync(factory, state, key, cancellationToken).ConfigureAwait(false);
            return await StoreCoreAsync(key, call, value, flight, fill).ConfigureAwait(false);
        }
        finally
        {
            _cache.EndFill(key, fill);
            _cache.EndOperation();
        }
    }

    private async ValueTask StoreAsync<T>(string key, Call call, T value, Flight<Landed<T>>? flight, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _cache.BeginOperation();
        try
        {
            await _cache.ChangingKeyAsync(key).ConfigureAwait(false);
            await StoreCoreAsync(key, call, value, flight, fill: null).ConfigureAwait(false);
        }
        finally
        {
            _cache.EndOperation();
        }
    }

    // Stores in the tiers the call writes, and drops the key from the others, so no tier keeps an older value. A value
    // that cannot be stored (refused by the serializer, too large) leaves no older copy anywhere either.
    // A fill (with its FillGuard entry) stores nothing when the key was written or removed since it began, and a change
    // waits while it stores.
    private async ValueTask<Landed<T>> StoreCoreAsync<T>(string key, Call call, T value, Flight<Landed<T>>? flight, FillGuard.Fill? fill)
    {
        var expiration = call.Expiration(_cache.Config.DefaultTtl);
        var localExpiration = call.LocalExpiration(_cache.Config.DefaultTtl);
        var entry = _payloads.Write(value, out var refusal);
        var now = _cache.UtcNow;
        if (entry is null)
        {
            ValueNotCached(_logger, typeof(T).Name, refusal!);
            _cache.Metrics.Error("hybrid", refusal!);
            _cache.WriteLocal<LocalEntry>(key, null!, null, null);
            await _cache.WriteDistributedAsync<byte[]>(key, null!, now, null, write: false, CancellationToken.None).ConfigureAwait(false);
            return new Landed<T>(value, null);
        }

        var landed = new Landed<T>(value, entry);
        var localExpiry = call.WriteLocal ? now + localExpiration : (DateTimeOffset?)null;
        if (fill is null)
            _cache.WriteLocal(key, entry, localExpiry, call.Tags);
        else if (!_cache.TryStoreFill(fill, key, entry, localExpiry, call.Tags))
            return new Landed<T>(value, null); // the key was written or removed meanwhile: this older result is not stored

        flight?.Complete(landed);
        try
        {
            // The store runs to the end once started (as the rest of Cachka's writes): a cancelled half-write would leave tiers disagreeing.
            await _cache.WriteDistributedAsync(key, entry.Bytes, now + expiration, call.Tags, call.WriteDistributed, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (fill is not null)
                LayeredCache.EndStore(fill);
        }

        return landed;
    }

    private async ValueTask<T> Unwrap<T>(ValueTask<Landed<T>> landing)
    {
        var landed = await landing.ConfigureAwait(false);
        return landed.Entry is null ? landed.Value : _payloads.Read<T>(landed.Entry);
    }

    // A payload that does not read as T (written for another type, or by an incompatible serializer) is a miss, and removed.
    private bool TryRead<T>(string key, LocalEntry entry, out T value)
    {
        try
        {
            value = _payloads.Read<T>(entry);
            return true;
        }
        catch (Exception error)
        {
            PayloadUnreadable(_logger, typeof(T).Name, error);
            _cache.Metrics.Error("hybrid", "deserialize_failed");
            _cache.WriteLocal<LocalEntry>(key, null!, null, null);
            value = default!;
            return false;
        }
    }

    private bool IsCacheable(string key)
    {
        string? reason = null;
        if (string.IsNullOrWhiteSpace(key))
            reason = "empty or whitespace";
        else if (key.Length > MaxKeyLength)
            reason = $"longer than {MaxKeyLength} characters ({key.Length})";
        else if (key.AsSpan().IndexOfAnyInRange('\0', (char)31) >= 0)
            reason = "contains a control character";
        if (reason is null)
            return true;
        KeyNotCacheable(_logger, reason);
        _cache.Metrics.Error("hybrid", "key_not_cacheable");
        return false;
    }

    // As HybridCache: a null, empty or whitespace tag, or the reserved "*", is refused; every entry also carries "*".
    private static string[] EntryTags(IEnumerable<string>? tags)
    {
        if (tags is null)
            return [TagIndex.Everything];
        var list = new List<string>();
        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
                throw new ArgumentException("Tags cannot be null, empty or whitespace.", nameof(tags));
            if (tag == TagIndex.Everything)
                throw new ArgumentException($"The tag '{TagIndex.Everything}' is reserved (RemoveByTagAsync(\"*\") removes every entry) and cannot be written.", nameof(tags));
            list.Add(tag);
        }

        list.Add(TagIndex.Everything);
        return [.. list];
    }

    // Calls with different flags do not share a flight (one may not read or write what the other does). Keys never
    // hold control characters, so the suffix cannot collide with another key.
    private static string FlightKey(string key, HybridCacheEntryFlags flags) =>
        flags == HybridCacheEntryFlags.None ? key : key + "\u0001" + ((int)flags).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async ValueTask Ignore(ValueTask<bool> deletion) => await deletion.ConfigureAwait(false);

    /// <summary>What a call asked for: its flags, expirations and tags.</summary>
    private readonly struct Call(HybridCacheEntryOptions? options, HybridCacheEntryFlags flags, string[] tags)
    {
        public HybridCacheEntryFlags Flags { get; } = flags;

        public string[] Tags { get; } = tags;

        public bool ReadLocal => !Has(HybridCacheEntryFlags.DisableLocalCacheRead);

        public bool WriteLocal => !Has(HybridCacheEntryFlags.DisableLocalCacheWrite);

        public bool ReadDistributed => !Has(HybridCacheEntryFlags.DisableDistributedCacheRead);

        public bool WriteDistributed => !Has(HybridCacheEntryFlags.DisableDistributedCacheWrite);

        public bool Has(HybridCacheEntryFlags flag) => (Flags & flag) != 0;

        public TimeSpan Expiration(TimeSpan fallback) => Guard.Ttl(options?.Expiration, fallback);

        // As HybridCache: LocalCacheExpiration, never beyond the call's Expiration; else the call's Expiration; else the default.
        public TimeSpan LocalExpiration(TimeSpan fallback)
        {
            var overall = Expiration(fallback);
            if (options?.LocalCacheExpiration is not { } local)
                return overall;
            Guard.Ttl(local, fallback);
            return local < overall ? local : overall;
        }
    }

    /// <summary>A flight's outcome: the stored entry (each caller reads its own copy), or the value itself when it was not stored.</summary>
    private readonly record struct Landed<T>(T Value, LocalEntry? Entry);

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "HybridCache: a key {Reason} cannot be cached; the call bypasses the cache.")]
    private static partial void KeyNotCacheable(ILogger logger, string reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "HybridCache: a value of '{ValueType}' was not cached ({Reason}); any older entry for its key was removed.")]
    private static partial void ValueNotCached(ILogger logger, string valueType, string reason);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "HybridCache: a cached payload could not be read as '{ValueType}'; it was treated as a miss and removed from L1.")]
    private static partial void PayloadUnreadable(ILogger logger, string valueType, Exception error);
}
