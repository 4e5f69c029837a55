using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Cachka.Layers;

namespace Cachka.Configuration;

/// <summary>
/// Reads a <see cref="CacheConfig"/> from configuration (appsettings.json), without reflection so it
/// stays trimming- and AOT-safe. Layers are an ordered array of objects with a <c>Type</c>
/// (<c>memory</c>, <c>sqlite</c>, or one you register with <see cref="RegisterLayer"/>).
/// <code>
/// "Cachka": { "Name": "default", "DefaultTtl": "00:05:00", "VacuumInterval": "01:00:00",
///   "Layers": [ { "Type": "memory", "MaxSize": 2048, "Ttl": "00:10:00" }, { "Type": "sqlite", "DbPath": "cache.db" } ] }
/// </code>
/// A value that cannot be read throws <see cref="FormatException"/> naming its configuration path.
/// </summary>
public static class CacheConfigBinder
{
    private static readonly ConcurrentDictionary<string, Func<IConfigurationSection, CacheLayerConfig>> s_layers =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["memory"] = ReadMemory,
            ["sqlite"] = ReadSqlite,
        };

    /// <summary>Teaches the binder a layer type: <paramref name="read"/> builds its config from the layer's section.</summary>
    public static void RegisterLayer(string type, Func<IConfigurationSection, CacheLayerConfig> read)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(read);
        s_layers[type] = read;
    }

    /// <summary>Builds the configuration; settings that are absent keep their defaults. Validation happens when the cache is built.</summary>
    public static CacheConfig Bind(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var defaults = CacheConfig.Default;
        var settings = new ReadSettings(section);
        var layersSection = settings.GetSection("Layers");
        var layers = layersSection.GetChildren().Select(ReadLayer).ToList();
        var config = defaults with
        {
            Layers = layers.Count > 0 ? layers : defaults.Layers,
            Name = settings.GetString("Name") ?? defaults.Name,
            DefaultTtl = settings.GetTimeSpan("DefaultTtl") ?? defaults.DefaultTtl,
            DefaultEntryOptions = ReadEntryOptions(settings, defaults.DefaultEntryOptions),
            VacuumInterval = IsOff(settings, "VacuumInterval") ? null : settings.GetTimeSpan("VacuumInterval") ?? defaults.VacuumInterval,
            CleanupOnStart = settings.GetBool("CleanupOnStart") ?? defaults.CleanupOnStart,
            EnableMetrics = settings.GetBool("EnableMetrics") ?? defaults.EnableMetrics,
            TraceKeys = settings.GetBool("TraceKeys") ?? defaults.TraceKeys,
            CircuitBreakerThreshold = settings.GetInt("CircuitBreakerThreshold") ?? defaults.CircuitBreakerThreshold,
            CircuitBreakerWindow = settings.GetTimeSpan("CircuitBreakerWindow") ?? defaults.CircuitBreakerWindow,
        };
        settings.ThrowOnUnread("the cache");
        return config;
    }

    // "DefaultEntryOptions": { "Ttl": "00:10:00", "Jitter": "00:00:30", "FailSafeMaxDuration": "02:00:00",
    // "FailSafeThrottleDuration": 30, "FactorySoftTimeout": 0.1, "FactoryHardTimeout": 2, "EagerRefreshThreshold": 0.8 };
    // anything else in it is an error.
    private static CacheEntryOptions ReadEntryOptions(ReadSettings settings, CacheEntryOptions defaults)
    {
        var section = settings.GetSection("DefaultEntryOptions");
        if (!section.GetChildren().Any())
            return defaults;
        var options = new ReadSettings(section);
        var read = defaults with
        {
            Ttl = options.GetTimeSpan("Ttl") ?? defaults.Ttl,
            Jitter = options.GetTimeSpan("Jitter") ?? defaults.Jitter,
            FailSafeMaxDuration = options.GetTimeSpan("FailSafeMaxDuration") ?? defaults.FailSafeMaxDuration,
            FailSafeThrottleDuration = options.GetTimeSpan("FailSafeThrottleDuration") ?? defaults.FailSafeThrottleDuration,
            FactorySoftTimeout = options.GetTimeSpan("FactorySoftTimeout") ?? defaults.FactorySoftTimeout,
            FactoryHardTimeout = options.GetTimeSpan("FactoryHardTimeout") ?? defaults.FactoryHardTimeout,
            EagerRefreshThreshold = options.GetFloat("EagerRefreshThreshold") ?? defaults.EagerRefreshThreshold,
        };
        options.ThrowOnUnread("the default entry options");
        return read;
    }

    // JSON null, an empty string or "off" turn an optional interval off.
    private static bool IsOff(IConfiguration section, string key) =>
        section[key] is { } text ? text.Length == 0 || text.Equals("off", StringComparison.OrdinalIgnoreCase)
            : section.GetChildren().Any(child => child.Key.Equals(key, StringComparison.OrdinalIgnoreCase) && child.Value is null && !child.GetChildren().Any());

    private static CacheLayerConfig ReadLayer(IConfigurationSection layer)
    {
        var type = layer.GetString("Type")
            ?? throw new FormatException($"Configuration '{layer.Path}' has no Type: give one of {string.Join(", ", s_layers.Keys.Order(StringComparer.Ordinal))}.");
        if (!s_layers.TryGetValue(type, out var read))
            throw new FormatException($"Configuration '{layer.Path}:Type' is '{type}', which is not a known layer type. Known: {string.Join(", ", s_layers.Keys.Order(StringComparer.Ordinal))}.");
        var settings = new ReadSettings(layer);
        settings.Mark("Type");
        var config = read(settings);
        settings.ThrowOnUnread($"a '{type}' layer");
        return config;
    }

    /// <summary>
    /// A section that remembers which settings its reader asked for, so a setting nobody reads (a misspelt
    /// "MaxSzie") is an error naming its path instead of a silent default.
    /// </summary>
    private sealed class ReadSettings(IConfiguration inner) : IConfigurationSection
    {
        private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

        public string? this[string key]
        {
            get
            {
                _read.Add(key);
                return inner[key];
            }

            set => inner[key] = value;
        }

        public string Key => (inner as IConfigurationSection)?.Key ?? "";

        public string Path => (inner as IConfigurationSection)?.Path ?? "";

        public string? Value
        {
            get => (inner as IConfigurationSection)?.Value;
            set
            {
                if (inner is IConfigurationSection section)
                    section.Value = value;
            }
        }

        public void Mark(string key) => _read.Add(key);

        public IConfigurationSection GetSection(string key)
        {
            _read.Add(key);
            return inner.GetSection(key);
        }

        public IEnumerable<IConfigurationSection> GetChildren() => inner.GetChildren();

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => inner.GetReloadToken();

        public void ThrowOnUnread(string what)
        {
            foreach (var child in inner.GetChildren())
            {
                if (!_read.Contains(child.Key))
                    throw new FormatException(
                        $"Configuration '{child.Path}' is not a setting of {what} (misspelt?). Its settings: {string.Join(", ", _read.Order(StringComparer.Ordinal))}.");
            }
        }
    }

    private static MemoryCacheConfig ReadMemory(IConfigurationSection section)
    {
        var defaults = new MemoryCacheConfig();
        return new MemoryCacheConfig
        {
            Name = section.GetString("Name") ?? defaults.Name,
            MaxSize = section.GetInt("MaxSize") ?? defaults.MaxSize,
            Ttl = section.GetTimeSpan("Ttl") ?? defaults.Ttl,
            Shards = section.GetInt("Shards") ?? defaults.Shards,
            EnableMetrics = section.GetBool("EnableMetrics") ?? defaults.EnableMetrics,
        };
    }

    private static SqliteCacheConfig ReadSqlite(IConfigurationSection section)
    {
        var defaults = new SqliteCacheConfig();
        return new SqliteCacheConfig
        {
            Name = section.GetString("Name") ?? defaults.Name,
            DbPath = section.GetString("DbPath") ?? defaults.DbPath,
            EnableEncryption = section.GetBool("EnableEncryption") ?? defaults.EnableEncryption,
            EncryptionKey = section.GetString("EncryptionKey") ?? defaults.EncryptionKey,
            PreviousEncryptionKeys = section.GetStrings("PreviousEncryptionKeys") ?? defaults.PreviousEncryptionKeys,
            MaxKeyLength = section.GetInt("MaxKeyLength") ?? defaults.MaxKeyLength,
            MaxPayloadBytes = section.GetInt("MaxPayloadBytes") ?? defaults.MaxPayloadBytes,
            BusyTimeout = section.GetTimeSpan("BusyTimeout") ?? defaults.BusyTimeout,
            MaxDatabaseBytes = section.GetLong("MaxDatabaseBytes") ?? defaults.MaxDatabaseBytes,
        };
    }

    /// <summary>A non-empty string value, or null.</summary>
    internal static string? GetString(this IConfiguration section, string key) =>
        section[key] is { Length: > 0 } value ? value : null;

    /// <summary>The non-null strings of an array setting, or null when it has none.</summary>
    internal static IReadOnlyList<string>? GetStrings(this IConfiguration section, string key) =>
        section.GetSection(key).GetChildren().Select(k => k.Value).OfType<string>().ToList() is { Count: > 0 } values ? values : null;

    /// <summary>An integer value (invariant culture), or null when absent.</summary>
    internal static int? GetInt(this IConfiguration section, string key) =>
        Parse(section, key, static text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null, "an integer");

    /// <summary>A 64-bit integer value (invariant culture), or null when absent.</summary>
    internal static long? GetLong(this IConfiguration section, string key) =>
        Parse(section, key, static text => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (long?)null, "an integer");

    /// <summary>A number (invariant culture, <c>0.8</c>), or null when absent.</summary>
    internal static float? GetFloat(this IConfiguration section, string key) =>
        Parse(section, key, static text => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (float?)null, "a number");

    /// <summary>A boolean value (<c>true</c>/<c>false</c>), or null when absent.</summary>
    internal static bool? GetBool(this IConfiguration section, string key) =>
        Parse(section, key, static text => bool.TryParse(text, out var v) ? v : (bool?)null, "true or false");

    /// <summary>A duration as <c>hh:mm:ss</c> (or <c>d.hh:mm:ss</c>), or a number of seconds; null when absent.</summary>
    internal static TimeSpan? GetTimeSpan(this IConfiguration section, string key) =>
        Parse(section, key, static text =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span
            : (TimeSpan?)null, "a duration (\"00:05:00\") or a number of seconds");

    private static T? Parse<T>(IConfiguration section, string key, Func<string, T?> parse, string expected)
        where T : struct
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return parse(text.Trim()) ?? throw new FormatException(
            $"Configuration '{(section is IConfigurationSection s ? s.Path + ":" : "")}{key}' is '{text}', which is not {expected}.");
    }
}
