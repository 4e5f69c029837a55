using System.Globalization;
using System.Text;
using Cachka.Layers;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Cachka.Redis;

/// <summary>
/// L1 coherence across processes over Redis pub/sub. After a write, delete or tag invalidation reaches Redis,
/// the layer publishes the keys it changed (never values) on one channel per key prefix; every other process
/// drops its copies of those keys above the Redis layer. A process ignores its own messages. When the
/// subscription is cut off or comes back, messages may have been missed, so the memory layer is emptied.
/// </summary>
internal sealed partial class RedisBackplane : IDisposable
{
    /// <summary>Most keys in one message; a larger invalidation is sent in several.</summary>
    internal const int MaxKeysPerMessage = 500;

    private readonly IConnectionMultiplexer _connection;
    private readonly RedisChannel _channel;
    private readonly ICacheLayer _layer;
    private readonly CacheLayerContext _context;
    private readonly ILogger _logger;
    private readonly string _sender = Guid.NewGuid().ToString("N");
    private ChannelMessageQueue? _subscription;
    private long _received;
    private long _published;
    private long _resets;
    private int _disposed;

    public RedisBackplane(IConnectionMultiplexer connection, RedisChannel channel, ICacheLayer layer, CacheLayerContext context, ILogger logger)
    {
        _connection = connection;
        _channel = channel;
        _layer = layer;
        _context = context;
        _logger = logger;
    }

    /// <summary>Messages from other processes applied so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages sent so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Times the memory layer was emptied because the subscription was cut off or came back.</summary>
    public long Resets => Interlocked.Read(ref _resets);

    public void Start()
    {
        _connection.ConnectionFailed += OnConnectionFailed;
        _connection.ConnectionRestored += OnConnectionRestored;
        Subscribe();
    }

    public void Publish(string key) => Publish([key]);

    /// <summary>Tells the other processes that <paramref name="keys"/> changed. Best effort: the change itself already reached Redis.</summary>
    public void Publish(IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0)
            return;
        try
        {
            var subscriber = _connection.GetSubscriber();
            foreach (var message in Encode(_sender, keys))
            {
                subscriber.Publish(_channel, message, CommandFlags.FireAndForget);
                Interlocked.Increment(ref _published);
            }
        }
        catch (Exception error)
        {
            PublishFailed(_logger, _layer.Name, error);
        }
    }

    private void Subscribe()
    {
        if (Volatile.Read(ref _subscription) is not null || Volatile.Read(ref _disposed) != 0)
            return;
        try
        {
            var subscription = _connection.GetSubscriber().Subscribe(_channel);
            if (Interlocked.CompareExchange(ref _subscription, subscription, null) is null)
                subscription.OnMessage(Receive);
            else
                subscription.Unsubscribe();
        }
        catch (Exception error)
        {
            // Redis is away: subscribed again when a connection comes back (OnConnectionRestored).
            SubscribeFailed(_logger, _layer.Name, error);
        }
    }

    private void Receive(ChannelMessage message)
    {
        if (!TryDecode(message.Message, out var sender, out var keys) || sender == _sender)
            return;
        Interlocked.Increment(ref _received);
        _context.ChangeSink?.ChangedElsewhere(_layer, keys);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Subscription)
            return;
        Reset("cut off");
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Subscription && e.ConnectionType != ConnectionType.Interactive)
            return;
        Subscribe();
        if (e.ConnectionType == ConnectionType.Subscription)
            Reset("restored");
    }

    private void Reset(string why)
    {
        Interlocked.Increment(ref _resets);
        SubscriptionInterrupted(_logger, _layer.Name, why);
        _context.ChangeSink?.ChangesLost(_layer);
    }

    // "<sender>|<length>:<key><length>:<key>...": keys may hold any character, so each is length-prefixed.
    internal static IEnumerable<RedisValue> Encode(string sender, IReadOnlyCollection<string> keys)
    {
        var text = new StringBuilder();
        var count = 0;
        foreach (var key in keys)
        {
            if (count == 0)
                text.Clear().Append(sender).Append('|');
            text.Append(key.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(key);
            if (++count == MaxKeysPerMessage)
            {
                yield return text.ToString();
                count = 0;
            }
        }

        if (count > 0)
            yield return text.ToString();
    }

    internal static bool TryDecode(RedisValue message, out string sender, out List<string> keys)
    {
        sender = "";
        keys = [];
        var text = (string?)message;
        var bar = text?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        if (text is null || bar <= 0)
            return false;
        sender = text[..bar];
        for (var at = bar + 1; at < text.Length;)
        {
            var colon = text.IndexOf(':', at);
            if (colon < 0 || !int.TryParse(text.AsSpan(at, colon - at), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length > text.Length - colon - 1)
                return false;
            keys.Add(text.Substring(colon + 1, length));
            at = colon + 1 + length;
        }

        return keys.Count > 0;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _connection.ConnectionFailed -= OnConnectionFailed;
        _connection.ConnectionRestored -= OnConnectionRestored;
        try
        {
            Interlocked.Exchange(ref _subscription, null)?.Unsubscribe();
        }
        catch (Exception)
        {
            // the connection is going away: nothing left to unsubscribe from
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Redis cache layer '{Layer}': the backplane could not subscribe; it will when Redis is reachable again.")]
    private static partial void SubscribeFailed(ILogger logger, string layer, Exception error);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Redis cache layer '{Layer}': the backplane subscription was {Why}; the memory layer was emptied, since changes made elsewhere may have been missed.")]
    private static partial void SubscriptionInterrupted(ILogger logger, string layer, string why);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Redis cache layer '{Layer}': a backplane message could not be published.")]
    private static partial void PublishFailed(ILogger logger, string layer, Exception error);
}
