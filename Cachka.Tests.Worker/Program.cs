using System.Globalization;
using Cachka;
using Cachka.Pipeline;
using Microsoft.Data.Sqlite;

// Usage:
//   write  <db> <key> <value>          store one string for an hour
//   read   <db> <key>                  print the stored string, or "<miss>"
//   stress <db> <worker-id> <ops>      mixed get/set/delete/tagged set/tag invalidation on 64 shared keys; every value read must belong to its key
//   lock   <db> <milliseconds>         hold the write lock (BEGIN EXCLUSIVE), print "locked", then commit
//   redis  <port> <prefix>             a memory + Redis node driven from stdin, one command per line, one answer each:
//                                      get <k> (value or "<miss>"), set <k> <v>, tagset <k> <v> <tag>, del <k>,
//                                      invalidate <tag>, received (backplane messages applied), quit
// Exit code 0 on success; 1 with a message on stderr otherwise.
var command = args.Length > 0 ? args[0] : "";
var db = args.Length > 1 ? args[1] : "";
try
{
    switch (command)
    {
        case "write":
            using (var cache = Open(db))
                cache.Set(args[2], args[3], TimeSpan.FromHours(1));
            return 0;
        case "read":
            using (var cache = Open(db))
                Console.WriteLine(cache.TryGet<string>(args[2]) is { HasValue: true } hit ? hit.Value : "<miss>");
            return 0;
        case "stress":
            return await StressAsync(db, args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        case "redis":
            await RedisNodeAsync(int.Parse(args[1], CultureInfo.InvariantCulture), args[2]);
            return 0;
        case "lock":
            Lock(db, int.Parse(args[2], CultureInfo.InvariantCulture));
            return 0;
        default:
            Console.Error.WriteLine($"unknown command '{command}'");
            return 1;
    }
}
catch (Exception error)
{
    Console.Error.WriteLine(error);
    return 1;
}

static async Task RedisNodeAsync(int port, string prefix)
{
    await using var cache = new LayeredCache(new CacheConfig
    {
        Layers = [new MemoryCacheConfig(), new Cachka.Redis.RedisCacheConfig { Host = "127.0.0.1", Port = port, KeyPrefix = prefix }],
        VacuumInterval = null,
        CleanupOnStart = false,
    });
    var backplane = ((Cachka.Redis.RedisCacheLayer)cache.Layers[1]).Backplane!;
    Console.WriteLine("ready");
    while (Console.ReadLine() is { } line)
    {
        var words = line.Split(' ');
        switch (words[0])
        {
            case "get":
                Console.WriteLine(cache.TryGet<string>(words[1]) is { HasValue: true } hit ? hit.Value : "<miss>");
                break;
            case "set":
                cache.Set(words[1], words[2], TimeSpan.FromMinutes(5));
                Console.WriteLine("ok");
                break;
            case "tagset":
                await cache.SetAsync(words[1], words[2], new CacheEntryOptions(TimeSpan.FromMinutes(5), [words[3]]));
                Console.WriteLine("ok");
                break;
            case "del":
                await cache.DeleteAsync(words[1]);
                Console.WriteLine("ok");
                break;
            case "invalidate":
                cache.InvalidateTag(words[1]);
                Console.WriteLine("ok");
                break;
            case "received":
                Console.WriteLine(backplane.Received.ToString(CultureInfo.InvariantCulture));
                break;
            case "quit":
                return;
        }
    }
}

static LayeredCache Open(string db) => new(new CacheConfig
{
    Layers = [new SqliteCacheConfig { DbPath = db, BusyTimeout = TimeSpan.FromSeconds(5) }],
    VacuumInterval = null,
    CleanupOnStart = false,
});

static async Task<int> StressAsync(string db, string worker, int operations)
{
    await using var cache = Open(db);
    var random = new Random(worker.GetHashCode(StringComparison.Ordinal));
    var wrong = 0;
    for (var i = 0; i < operations; i++)
    {
        var key = "shared:" + random.Next(64).ToString(CultureInfo.InvariantCulture);
        var value = $"{key}|{worker}|{i}";
        var tag = "group:" + (key.Length % 4).ToString(CultureInfo.InvariantCulture) + random.Next(2).ToString(CultureInfo.InvariantCulture);
        switch (random.Next(9))
        {
            case 6:
                cache.Set(key, value, new CacheEntryOptions(TimeSpan.FromMinutes(5), [tag]));
                break;
            case 7:
                await cache.SetAsync(key, value, new CacheEntryOptions(TimeSpan.FromMinutes(5), [tag]));
                break;
            case 8:
                if (i % 2 == 0)
                    cache.InvalidateTag(tag);
                else
                    await cache.InvalidateTagAsync(tag);
                break;
            case 0:
                cache.Set(key, value, TimeSpan.FromMinutes(5));
                break;
            case 1:
                await cache.SetAsync(key, value, TimeSpan.FromMinutes(5));
                break;
            case 2:
                if (cache.TryGet<string>(key) is { HasValue: true } hit && !hit.Value!.StartsWith(key + "|", StringComparison.Ordinal))
                    wrong++;
                break;
            case 3:
                if (await cache.TryGetAsync<string>(key) is { HasValue: true } asyncHit && !asyncHit.Value!.StartsWith(key + "|", StringComparison.Ordinal))
                    wrong++;
                break;
            case 4:
                cache.Delete(key);
                break;
            default:
                await cache.DeleteAsync(key);
                break;
        }
    }

    var errors = cache.GetStatistics().Errors;
    Console.WriteLine($"ops={operations} wrong={wrong} errors={errors}");
    if (wrong == 0 && errors == 0)
        return 0;
    Console.Error.WriteLine($"worker {worker}: {wrong} wrong values, {errors} layer errors");
    return 1;
}

static void Lock(string db, int milliseconds)
{
    using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = "BEGIN EXCLUSIVE";
    command.ExecuteNonQuery();
    Console.WriteLine("locked");
    Console.Out.Flush();
    Thread.Sleep(milliseconds);
    command.CommandText = "COMMIT";
    command.ExecuteNonQuery();
}
