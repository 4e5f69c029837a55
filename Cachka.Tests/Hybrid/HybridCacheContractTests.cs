using System.Text;
using System.ComponentModel;
using Microsoft.Extensions.Caching.Hybrid;

namespace Cachka.Tests.Hybrid;

/// <summary>
/// HybridCache's contract, learned from Microsoft's documentation and tests and written down here, run against
/// Microsoft's implementation and Cachka's in one class: any difference between them fails one of the two fixtures.
/// </summary>
[TestFixture(HybridImplementation.Microsoft)]
[TestFixture(HybridImplementation.Cachka)]
public sealed class HybridCacheContractTests(HybridImplementation implementation)
{
    private static readonly HybridCacheEntryOptions TenMinutes = new() { Expiration = TimeSpan.FromMinutes(10) };

    private HybridCacheHost Host(bool distributed = false) => new(implementation, distributed);

    [Test]
    public async Task A_miss_runs_the_factory_once_and_a_hit_does_not_run_it()
    {
        await using var host = Host();
        var runs = 0;
        var first = await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs * 10));
        var second = await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs * 10));
        Assert.That((first, second, runs), Is.EqualTo((10, 10, 1)));
    }

    [Test]
    public async Task The_stateful_overload_passes_its_state_to_the_factory()
    {
        await using var host = Host();
        var value = await host.Cache.GetOrCreateAsync("k", 21, static (state, _) => ValueTask.FromResult(state * 2));
        Assert.That(value, Is.EqualTo(42));
    }

    [Test]
    public async Task Concurrent_callers_of_one_key_share_one_factory_run()
    {
        await using var host = Host();
        var runs = 0;
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 32).Select(_ => host.Cache.GetOrCreateAsync("k", async _ =>
        {
            Interlocked.Increment(ref runs);
            return await release.Task;
        }).AsTask()).ToArray();
        release.SetResult(7);
        var values = await Task.WhenAll(callers);
        Assert.That((runs, values.Distinct().Single()), Is.EqualTo((1, 7)));
    }

    [Test]
    public async Task One_caller_cancelling_stops_only_its_own_wait()
    {
        await using var host = Host();
        var release = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken factoryToken = default;
        using var impatient = new CancellationTokenSource();
        var first = host.Cache.GetOrCreateAsync("k", async ct =>
        {
            factoryToken = ct;
            return await release.Task;
        }, cancellationToken: impatient.Token).AsTask();
        var patient = host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("never run")).AsTask();
        await impatient.CancelAsync();
        Assert.That(async () => await first, Throws.InstanceOf<OperationCanceledException>());
        release.SetResult("value");
        Assert.That(await patient, Is.EqualTo("value"));
        Assert.That(factoryToken.IsCancellationRequested, Is.False);
    }

    [Test]
    public async Task When_every_caller_cancels_the_factory_token_is_cancelled()
    {
        await using var host = Host();
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var call = host.Cache.GetOrCreateAsync("k", async ct =>
        {
            started.SetResult(ct);
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, cancellationToken: cancel.Token).AsTask();
        var token = await started.Task;
        await cancel.CancelAsync();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(() => token.IsCancellationRequested, Is.True.After(5000, 10));
    }

    [Test]
    public async Task A_caller_cancelled_before_the_call_gets_a_cancellation_and_no_factory_runs()
    {
        await using var host = Host();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var runs = 0;
        Assert.That(async () => await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs), cancellationToken: cancelled.Token),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(runs, Is.Zero);
    }

    [Test]
    public async Task A_failing_factory_fails_every_joined_caller_and_caches_nothing()
    {
        await using var host = Host();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 4).Select(_ => host.Cache.GetOrCreateAsync<int>("k", async _ =>
        {
            await release.Task;
            throw new InvalidOperationException("origin down");
        }).AsTask()).ToArray();
        release.SetResult();
        foreach (var caller in callers)
            Assert.That(async () => await caller, Throws.InvalidOperationException.With.Message.EqualTo("origin down"));
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(5)), Is.EqualTo(5));
    }

    [Test]
    public async Task SetAsync_overwrites_and_the_next_read_runs_no_factory()
    {
        await using var host = Host(distributed: true);
        await host.Cache.SetAsync("k", "one");
        await host.Cache.SetAsync("k", "two");
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory")), Is.EqualTo("two"));
    }

    [Test]
    public async Task RemoveAsync_removes_one_key_or_many_from_both_tiers()
    {
        await using var host = Host(distributed: true);
        foreach (var key in new[] { "a", "b", "c" })
            await host.Cache.SetAsync(key, key);
        await host.Cache.RemoveAsync("a");
        await host.Cache.RemoveAsync(["b", "c"]);
        foreach (var key in new[] { "a", "b", "c" })
        {
            Assert.That(await host.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"), key);
        }
    }

    [Test]
    public async Task A_tag_invalidation_covers_entries_written_before_it_and_not_after()
    {
        await using var host = Host(distributed: true);
        await host.Cache.SetAsync("tagged", "old", tags: ["users"]);
        await host.Cache.SetAsync("other", "kept", tags: ["orders"]);
        await host.Cache.RemoveByTagAsync("users");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await host.Cache.GetOrCreateAsync("tagged", _ => ValueTask.FromResult("new"), tags: ["users"]), Is.EqualTo("new"));
        Assert.That(await host.Cache.GetOrCreateAsync("tagged", _ => ValueTask.FromResult("newer"), tags: ["users"]), Is.EqualTo("new"));
        Assert.That(await host.Cache.GetOrCreateAsync("other", _ => ValueTask.FromResult("factory")), Is.EqualTo("kept"));
    }

    [Test]
    public async Task Removing_several_tags_removes_the_entries_of_each()
    {
        await using var host = Host();
        await host.Cache.SetAsync("a", "a", tags: ["x"]);
        await host.Cache.SetAsync("b", "b", tags: ["y", "z"]);
        await host.Cache.RemoveByTagAsync(["x", "z"]);
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await host.Cache.GetOrCreateAsync("a", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
        Assert.That(await host.Cache.GetOrCreateAsync("b", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
    }

    [Test]
    public async Task The_wildcard_tag_removes_every_entry()
    {
        await using var host = Host(distributed: true);
        await host.Cache.SetAsync("untagged", "old");
        await host.Cache.SetAsync("tagged", "old", tags: ["t"]);
        await host.Cache.RemoveByTagAsync("*");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await host.Cache.GetOrCreateAsync("untagged", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
        Assert.That(await host.Cache.GetOrCreateAsync("tagged", _ => ValueTask.FromResult("fresh")), Is.EqualTo("fresh"));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("*")]
    public async Task An_invalid_tag_on_a_write_is_rejected(string tag)
    {
        await using var host = Host();
        Assert.That(async () => await host.Cache.SetAsync("k", 1, tags: [tag]), Throws.ArgumentException);
        Assert.That(async () => await host.Cache.GetOrCreateAsync("k2", _ => ValueTask.FromResult(1), tags: [tag]), Throws.ArgumentException);
    }

    [TestCase("")]
    [TestCase("  ")]
    public async Task Removing_an_empty_tag_does_nothing(string tag)
    {
        await using var host = Host();
        await host.Cache.SetAsync("k", 1);
        await host.Cache.RemoveByTagAsync(tag);
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(2)), Is.EqualTo(1));
    }

    [Test]
    public async Task A_mutable_value_comes_back_as_a_fresh_copy_each_time()
    {
        await using var host = Host();
        var original = new MutableOrder { Id = 1, Lines = ["apple"] };
        var first = await host.Cache.GetOrCreateAsync("order", _ => ValueTask.FromResult(original));
        first.Lines.Add("pear");
        var second = await host.Cache.GetOrCreateAsync("order", _ => ValueTask.FromResult(new MutableOrder()));
        Assert.That(second, Is.Not.SameAs(first).And.Not.SameAs(original));
        Assert.That(second.Lines, Is.EqualTo(new[] { "apple" }));
    }

    [Test]
    public async Task A_value_changed_after_SetAsync_does_not_change_the_cached_one()
    {
        await using var host = Host();
        var order = new MutableOrder { Id = 2, Lines = ["milk"] };
        await host.Cache.SetAsync("order", order);
        order.Lines.Add("bread");
        var read = await host.Cache.GetOrCreateAsync("order", _ => ValueTask.FromResult(new MutableOrder()));
        Assert.That(read.Lines, Is.EqualTo(new[] { "milk" }));
    }

    [Test]
    public async Task A_sealed_immutable_type_and_a_string_may_be_shared_between_calls()
    {
        await using var host = Host();
        var first = await host.Cache.GetOrCreateAsync("point", _ => ValueTask.FromResult(new FrozenPoint(1, 2)));
        var second = await host.Cache.GetOrCreateAsync("point", _ => ValueTask.FromResult(new FrozenPoint(0, 0)));
        Assert.That(second, Is.EqualTo(new FrozenPoint(1, 2)));
        Assert.That(second, Is.SameAs(first));
        var text = await host.Cache.GetOrCreateAsync("text", _ => ValueTask.FromResult("hello"));
        Assert.That(await host.Cache.GetOrCreateAsync("text", _ => ValueTask.FromResult("other")), Is.SameAs(text));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("tab\there")]
    [TestCase("line\nbreak")]
    public async Task A_key_it_cannot_cache_bypasses_the_cache_instead_of_throwing(string key)
    {
        await using var host = Host();
        var runs = 0;
        Assert.That(await host.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(++runs)), Is.EqualTo(1));
        Assert.That(await host.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(++runs)), Is.EqualTo(2));
        Assert.That(async () => await host.Cache.SetAsync(key, 3), Throws.Nothing);
    }

    [Test]
    public async Task A_key_longer_than_1024_characters_bypasses_the_cache()
    {
        await using var host = Host();
        var runs = 0;
        var longest = new string('k', 1024);
        var tooLong = new string('k', 1025);
        await host.Cache.GetOrCreateAsync(longest, _ => ValueTask.FromResult(++runs));
        await host.Cache.GetOrCreateAsync(longest, _ => ValueTask.FromResult(++runs));
        await host.Cache.GetOrCreateAsync(tooLong, _ => ValueTask.FromResult(++runs));
        await host.Cache.GetOrCreateAsync(tooLong, _ => ValueTask.FromResult(++runs));
        Assert.That(runs, Is.EqualTo(3));
    }

    [Test]
    public async Task DisableUnderlyingData_returns_default_on_a_miss_without_the_factory()
    {
        await using var host = Host();
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };
        var runs = 0;
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs + 41), options), Is.Zero);
        await host.Cache.SetAsync("k", 42);
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs), options), Is.EqualTo(42));
        Assert.That(runs, Is.Zero);
    }

    [Test]
    public async Task DisableDistributedCacheWrite_keeps_the_entry_out_of_the_distributed_tier()
    {
        await using var host = Host(distributed: true);
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheWrite };
        await host.Cache.GetOrCreateAsync("local-only", _ => ValueTask.FromResult(1), options);
        await host.Cache.SetAsync("set-local-only", 2, options);
        await host.Cache.SetAsync("both", 3);
        Assert.That(host.Distributed!.Contains("local-only"), Is.False);
        Assert.That(host.Distributed.Contains("set-local-only"), Is.False);
        Assert.That(host.Distributed.Contains("both"), Is.True);
        Assert.That(await host.Cache.GetOrCreateAsync("local-only", _ => ValueTask.FromResult(-1)), Is.EqualTo(1));
    }

    [Test]
    public async Task DisableLocalCacheWrite_leaves_the_value_to_the_distributed_tier()
    {
        await using var host = Host(distributed: true);
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite };
        await host.Cache.SetAsync("k", "stored", options);
        Assert.That(host.Distributed!.Contains("k"), Is.True);
        var gets = host.Distributed.Gets;
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory")), Is.EqualTo("stored"));
        Assert.That(host.Distributed.Gets, Is.GreaterThan(gets), "read from the distributed tier");
    }

    [Test]
    public async Task DisableLocalCacheRead_reads_the_distributed_tier()
    {
        await using var host = Host(distributed: true);
        await host.Cache.SetAsync("k", "stored");
        var gets = host.Distributed!.Gets;
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead };
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), options), Is.EqualTo("stored"));
        Assert.That(host.Distributed.Gets, Is.GreaterThan(gets));
    }

    [Test]
    public async Task DisableDistributedCacheRead_runs_the_factory_when_only_the_distributed_tier_holds_the_key()
    {
        await using var host = Host(distributed: true);
        await host.Cache.SetAsync("k", "stored", new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheWrite });
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCacheRead };
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), options), Is.EqualTo("factory"));
    }

    [Test]
    public async Task DisableLocalCache_and_DisableDistributedCache_cache_nothing()
    {
        await using var host = Host(distributed: true);
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableDistributedCache };
        var runs = 0;
        await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs), options);
        await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(++runs), options);
        Assert.That(runs, Is.EqualTo(2));
        Assert.That(host.Distributed!.Contains("k"), Is.False);
    }

    [Test]
    public async Task An_entry_expires_after_its_Expiration()
    {
        await using var host = Host();
        await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("first"), TenMinutes);
        host.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("second"), TenMinutes), Is.EqualTo("first"));
        host.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("third"), TenMinutes), Is.EqualTo("third"));
    }

    [Test]
    public async Task LocalCacheExpiration_ends_the_local_copy_first_and_the_distributed_tier_answers()
    {
        await using var host = Host(distributed: true);
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(10), LocalCacheExpiration = TimeSpan.FromMinutes(1) };
        await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("first"), options);
        host.Time.Advance(TimeSpan.FromMinutes(2));
        var gets = host.Distributed!.Gets;
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("second"), options), Is.EqualTo("first"));
        Assert.That(host.Distributed.Gets, Is.GreaterThan(gets), "the local copy had expired");
        host.Time.Advance(TimeSpan.FromMinutes(9));
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("third"), options), Is.EqualTo("third"));
    }

    [Test]
    public async Task LocalCacheExpiration_never_outlives_Expiration()
    {
        await using var host = Host();
        var options = new HybridCacheEntryOptions { Expiration = TimeSpan.FromMinutes(1), LocalCacheExpiration = TimeSpan.FromMinutes(30) };
        await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("first"), options);
        host.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.That(await host.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("second"), options), Is.EqualTo("second"));
    }

    [Test]
    public async Task A_serializer_registered_for_the_type_is_used()
    {
        var serializer = new CountingSerializer();
        await using var host = new HybridCacheHost(implementation, distributed: true, services =>
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<IHybridCacheSerializer<Widget>>(services, serializer));
        await host.Cache.SetAsync("w", new Widget { Name = "gear" });
        var read = await host.Cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget { Name = "factory" }));
        Assert.That(read.Name, Is.EqualTo("gear"));
        Assert.That(serializer.Serialized, Is.GreaterThan(0));
        Assert.That(serializer.Deserialized, Is.GreaterThan(0));
    }

    [Test]
    public async Task A_serializer_factory_registered_in_the_container_is_asked()
    {
        var factory = new CountingSerializerFactory();
        await using var host = new HybridCacheHost(implementation, distributed: true, services =>
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<IHybridCacheSerializerFactory>(services, factory));
        await host.Cache.SetAsync("w", new Widget { Name = "gear" });
        var read = await host.Cache.GetOrCreateAsync("w", _ => ValueTask.FromResult(new Widget { Name = "factory" }));
        Assert.That(read.Name, Is.EqualTo("gear"));
        Assert.That(factory.Serializer.Serialized, Is.GreaterThan(0));
    }

    [Test]
    public async Task The_span_and_interpolated_key_overloads_reach_the_same_entry()
    {
        await using var host = Host();
        await host.Cache.SetAsync("user:42", "ada");
        var id = 42;
        Assert.That(await host.Cache.GetOrCreateAsync($"user:{id}", _ => ValueTask.FromResult("factory")), Is.EqualTo("ada"));
        Assert.That(await host.Cache.GetOrCreateAsync("user:42".AsSpan(), _ => ValueTask.FromResult("factory")), Is.EqualTo("ada"));
    }
}

public sealed class MutableOrder
{
    public int Id { get; set; }

    public List<string> Lines { get; set; } = [];
}

[ImmutableObject(true)]
public sealed record FrozenPoint(int X, int Y);

public sealed class Widget
{
    public string Name { get; set; } = "";
}

public sealed class CountingSerializer : IHybridCacheSerializer<Widget>
{
    private int _serialized;
    private int _deserialized;

    public int Serialized => Volatile.Read(ref _serialized);

    public int Deserialized => Volatile.Read(ref _deserialized);

    public Widget Deserialize(System.Buffers.ReadOnlySequence<byte> source)
    {
        Interlocked.Increment(ref _deserialized);
        return new Widget { Name = Encoding.UTF8.GetString(source) };
    }

    public void Serialize(Widget value, System.Buffers.IBufferWriter<byte> target)
    {
        Interlocked.Increment(ref _serialized);
        Encoding.UTF8.GetBytes(value.Name, target);
    }
}

public sealed class CountingSerializerFactory : IHybridCacheSerializerFactory
{
    public CountingSerializer Serializer { get; } = new();

    public bool TryCreateSerializer<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
    {
        serializer = Serializer as IHybridCacheSerializer<T>;
        return serializer is not null;
    }
}
