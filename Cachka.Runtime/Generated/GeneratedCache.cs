using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Cachka.Keys;
using Cachka.Pipeline;
using Cachka.Serialization;

namespace Cachka.Generated;

/// <summary>
/// The one entry point that code written by Cachka's source generator calls: the cached call itself, and the
/// helpers its key structs use. For generated code only: not a stable API, hidden from IntelliSense, and its
/// shape changes with the generator that ships in the same package.
/// </summary>
/// <remarks>
/// A generated <c>[Cached]</c> wrapper builds its key struct and calls <see cref="GetOrCreate{TKey, TState, T}(ICache, in TKey, TState, Func{TState, T}, CacheEntryOptions)"/>
/// (or an async form) with the cache it resolved (<see cref="CacheRegistry.Get"/> or its <c>[CacheSource]</c>).
/// The runtime's own cache is called directly, so a typed L1 hit pays no interface dispatch of a generic
/// method; any other <see cref="ICache"/> gets the interface call.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedCache
{
    /// <summary>The cached call of a synchronous <c>[Cached]</c> method.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GetOrCreate<TKey, TState, T>(ICache cache, in TKey key, TState state, Func<TState, T> factory, CacheEntryOptions options)
        where TKey : struct, ICacheKey<TKey> =>
        cache is LayeredCache layered
            ? layered.GetOrCreate(in key, state, factory, options)
            : cache.GetOrCreate(in key, state, factory, options);

    /// <summary>The cached call of a <c>[Cached]</c> method that returns <see cref="ValueTask{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueTask<T> GetOrCreateAsync<TKey, TState, T>(ICache cache, in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        cache is LayeredCache layered
            ? layered.GetOrCreateAsync(in key, state, factory, options, cancellationToken)
            : cache.GetOrCreateAsync(in key, state, factory, options, cancellationToken);

    /// <summary>The cached call of a <c>[Cached]</c> method that returns <see cref="Task{T}"/>: an L1 hit reuses a completed task.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Task<T> GetOrCreateTaskAsync<TKey, TState, T>(ICache cache, in TKey key, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        cache is LayeredCache layered
            ? layered.GetOrCreateTaskAsync(in key, state, factory, options, cancellationToken)
            : cache.GetOrCreateTaskAsync(in key, state, factory, options, cancellationToken);

    /// <summary>The cached call of a synchronous <c>[Cached]</c> method whose body adapts its entry (takes a <see cref="CacheFactoryContext"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T GetOrCreate<TKey, TState, T>(ICache cache, in TKey key, TState state, Func<TState, CacheFactoryContext, T> factory, CacheEntryOptions options)
        where TKey : struct, ICacheKey<TKey> =>
        cache is LayeredCache layered
            ? layered.GetOrCreate(in key, state, factory, options)
            : cache.GetOrCreate(in key, state, factory, options);

    /// <summary>The cached call of a <see cref="ValueTask{T}"/> <c>[Cached]</c> method whose body adapts its entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ValueTask<T> GetOrCreateAsync<TKey, TState, T>(ICache cache, in TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        cache is LayeredCache layered
            ? layered.GetOrCreateAsync(in key, state, factory, options, cancellationToken)
            : cache.GetOrCreateAsync(in key, state, factory, options, cancellationToken);

    /// <summary>The cached call of a <see cref="Task{T}"/> <c>[Cached]</c> method whose body adapts its entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Task<T> GetOrCreateTaskAsync<TKey, TState, T>(ICache cache, in TKey key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, CancellationToken cancellationToken = default)
        where TKey : struct, ICacheKey<TKey> =>
        cache is LayeredCache layered
            ? layered.GetOrCreateTaskAsync(in key, state, factory, options, cancellationToken)
            : cache.GetOrCreateTaskAsync(in key, state, factory, options, cancellationToken);

    /// <summary>
    /// The context handed to the adaptive body of a <c>[Cached]</c> method on a call that is not cached (an argument with
    /// no key form): the body runs as usual, and what it sets on the context is ignored.
    /// </summary>
    public static CacheFactoryContext UncachedContext() => new(string.Empty, null);

    /// <summary>An argument that may be a lazy or one-shot sequence, read once so the key and the body see the same items.</summary>
    [return: NotNullIfNotNull(nameof(values))]
    public static IEnumerable<T>? ReadOnce<T>(IEnumerable<T>? values) => CacheKeyText.ReadOnce(values);

    /// <summary>How many items a sequence read by <see cref="ReadOnce{T}"/> holds.</summary>
    public static int Count<T>(IEnumerable<T> values) => CacheKeyText.Count(values);

    /// <summary>The type's name as it appears in keys: stable across runs and machines.</summary>
    public static string KeyTypeName<T>() => CacheKeyTypeName.Of<T>();

    /// <summary>Key-part equality by what the key text writes (bits, not numeric equality: 0.0 and -0.0 differ, NaN equals NaN).</summary>
    public static bool KeyEqual(double x, double y) => CacheKeyEquality.Equal(x, y);

    /// <inheritdoc cref="KeyEqual(double, double)"/>
    public static bool KeyEqual(float x, float y) => CacheKeyEquality.Equal(x, y);

    /// <summary>Key-part equality by ticks and kind (what the key text writes).</summary>
    public static bool KeyEqual(DateTime x, DateTime y) => CacheKeyEquality.Equal(x, y);

    /// <summary>Key-part equality by instant and offset (what the key text writes).</summary>
    public static bool KeyEqual(DateTimeOffset x, DateTimeOffset y) => CacheKeyEquality.Equal(x, y);

    /// <inheritdoc cref="KeyEqual(double, double)"/>
    public static bool KeyEqual(double? x, double? y) => CacheKeyEquality.Equal(x, y);

    /// <inheritdoc cref="KeyEqual(double, double)"/>
    public static bool KeyEqual(float? x, float? y) => CacheKeyEquality.Equal(x, y);

    /// <inheritdoc cref="KeyEqual(DateTime, DateTime)"/>
    public static bool KeyEqual(DateTime? x, DateTime? y) => CacheKeyEquality.Equal(x, y);

    /// <inheritdoc cref="KeyEqual(DateTimeOffset, DateTimeOffset)"/>
    public static bool KeyEqual(DateTimeOffset? x, DateTimeOffset? y) => CacheKeyEquality.Equal(x, y);

    /// <summary>Makes a <c>[JsonSerializable]</c> context's metadata available to the default serializer (emitted as a module initializer).</summary>
    public static void RegisterJsonContext(JsonSerializerContext context) => JsonMetadata.Register(context);
}
