namespace Cachka.Layers;

/// <summary>
/// Thrown by a layer that declines a call because it is at its own capacity (the Redis layer beyond
/// <c>MaxConnections</c>), not because it failed: the pipeline skips the layer for that call (a read misses it,
/// a write not made is remembered for repair) and counts it as <c>busy</c>, without moving the breaker, so
/// an overload sheds calls instead of cutting the layer off.
/// </summary>
internal sealed class LayerBusyException(string message) : Exception(message);
