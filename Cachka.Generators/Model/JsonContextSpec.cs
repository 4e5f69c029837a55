using Cachka.Generators.Helpers;

namespace Cachka.Generators.Model;

/// <summary>
/// The <c>JsonSerializerContext</c>s of a compilation that its module initializer registers with the runtime
/// (value-equatable): <see cref="Contexts"/> are fully qualified names (<c>global::...</c>), sorted ordinally.
/// </summary>
internal sealed record JsonContextRegistrationSpec(EquatableArray<string> Contexts);
