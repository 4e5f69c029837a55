namespace Cachka.Layers;

/// <summary>
/// A layer that can tell, before the health probe, that it is not working as configured (the SQLite layer: its
/// database file is not the one at <c>DbPath</c>). Checked on every health check.
/// </summary>
internal interface ILayerPrecheck
{
    /// <summary>What is wrong, in words that name the resource; null when nothing is.</summary>
    string? Problem();
}
