using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Cachka.Serialization;

/// <summary>
/// The per-type verdict of a serializer (<see cref="ICacheSerializer.GetFidelity{T}"/>), asked once per type and
/// serializer and kept: a write reads one static field and compares one reference. The same for every serializing layer.
/// </summary>
internal static class SerializerFidelity
{
    private static readonly ConditionalWeakTable<ICacheSerializer, ConcurrentDictionary<Type, CacheFidelity>> Verdicts = new();

    public static CacheFidelity Of<T>(ICacheSerializer serializer)
    {
        var last = Slot<T>.Last;
        return last is not null && ReferenceEquals(last.Serializer, serializer) ? last.Fidelity : Decide<T>(serializer);
    }

    private static CacheFidelity Decide<T>(ICacheSerializer serializer)
    {
        var verdicts = Verdicts.GetValue(serializer, static _ => new ConcurrentDictionary<Type, CacheFidelity>());
        if (!verdicts.TryGetValue(typeof(T), out var fidelity))
        {
            try
            {
                fidelity = serializer.GetFidelity<T>() ?? CacheFidelity.Faithful;
            }
            catch (Exception error)
            {
                // A check that fails cannot vouch for the type: refuse it rather than risk serving wrong data.
                fidelity = CacheFidelity.Refused("fidelity_check_failed", "The serializer's fidelity check for '" + JsonFidelity.Display(typeof(T)) + "' threw " + error.GetType().Name + ": " + error.Message);
            }

            fidelity = verdicts.GetOrAdd(typeof(T), fidelity);
        }

        Slot<T>.Last = new Entry(serializer, fidelity);
        return fidelity;
    }

    private static class Slot<T>
    {
        public static volatile Entry? Last;
    }

    private sealed record Entry(ICacheSerializer Serializer, CacheFidelity Fidelity);
}

/// <summary>Remembers which refusals were logged, so each (type, reason) is logged once per layer.</summary>
internal sealed class RefusalLog
{
    private readonly ConcurrentDictionary<(Type Type, string Reason), bool> _logged = new();

    /// <summary>True the first time this type is refused for this reason.</summary>
    public bool First(Type type, string reason) => _logged.TryAdd((type, reason), true);
}
