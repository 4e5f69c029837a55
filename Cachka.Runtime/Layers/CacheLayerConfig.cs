namespace Cachka.Layers;

/// <summary>
/// Configuration of one layer and the factory for it. Derive from it (with an <see cref="ICacheLayer"/>)
/// to plug a layer of your own into the pipeline.
/// </summary>
public abstract record CacheLayerConfig
{
    /// <summary>The layer's name in metrics and health reports; unique within one cache.</summary>
    public abstract string Name { get; init; }

    /// <summary>Throws with a message naming the bad setting; called once when the cache is built.</summary>
    public virtual void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException($"{GetType().Name}.Name must not be empty.", nameof(Name));
    }

    /// <summary>Builds the layer. Called once, after <see cref="Validate"/>.</summary>
    public abstract ICacheLayer CreateLayer(CacheLayerContext context);
}

/// <summary>What a layer may use from the cache that owns it.</summary>
public sealed class CacheLayerContext
{
    private readonly Action<string, string>? _errorSink;

    internal CacheLayerContext(string cacheName, TimeProvider time, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory, Action<string, string>? errorSink = null)
    {
        CacheName = cacheName;
        Time = time;
        LoggerFactory = loggerFactory;
        _errorSink = errorSink;
    }

    /// <summary>The owning cache's name (<c>CacheConfig.Name</c>).</summary>
    public string CacheName { get; }

    /// <summary>The clock every layer must use for expiry.</summary>
    public TimeProvider Time { get; }

    /// <summary>Logger factory (a no-op one when none was given).</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// Counts an error the layer handled itself (for example an unreadable entry turned into a miss) in the
    /// owning cache's <c>cache_errors_total{layer,error_type}</c>, without failing the call or moving the breaker.
    /// </summary>
    public void ReportError(string layerName, string errorType) => _errorSink?.Invoke(layerName, errorType);

    /// <summary>The owning cache, once it is built (notifications that arrive before then find nothing to drop).</summary>
    internal ILayerChangeSink? ChangeSink { get; set; }
}
