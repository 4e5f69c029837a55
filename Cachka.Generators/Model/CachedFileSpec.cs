using Cachka.Generators.Helpers;

namespace Cachka.Generators.Model;

/// <summary>
/// The <c>[Cached]</c> methods of one type, emitted as one file (ordered by their <see cref="CachedMethodSpec.HintName"/>):
/// Roslyn checks each added file's name against every file the generator added before it, so a file per method would
/// cost a run time that grows with the square of the methods.
/// </summary>
internal sealed record CachedFileSpec(string HintName, EquatableArray<CachedMethodSpec> Methods);
