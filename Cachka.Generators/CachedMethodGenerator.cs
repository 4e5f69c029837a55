using Microsoft.CodeAnalysis;

namespace Cachka.Generators;

/// <summary>Turns <c>[Cached]</c> partial methods into cached calls (pipeline wiring only).</summary>
[Generator(LanguageNames.CSharp)]
public sealed class CachedMethodGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
