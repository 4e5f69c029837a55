using Cachka.Generators.Helpers;

namespace Cachka.Generators.Model;

/// <summary>
/// Everything the emitter needs for one partial method with <c>[InvalidatesCached]</c>/<c>[InvalidatesTag]</c>, as
/// plain values: the method, its body, and what it removes once the body has returned normally.
/// </summary>
internal sealed record InvalidationMethodSpec(
    string HintName,
    string? Namespace,
    EquatableArray<TypeDeclarationSpec> ContainingTypes,
    TypeDeclarationSpec Type,
    string TypeFullName,
    string Name,
    string Modifiers,
    InvalidationReturn Return,
    string ReturnType,
    string BodyName,
    bool BodyIsStatic,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<string> MaterializedSequences,
    EquatableArray<InvalidationActionSpec> Actions)
{
    public bool IsAsync => Return is InvalidationReturn.Task or InvalidationReturn.TaskOfT or InvalidationReturn.ValueTask or InvalidationReturn.ValueTaskOfT;

    public bool ReturnsValue => Return is InvalidationReturn.Value or InvalidationReturn.TaskOfT or InvalidationReturn.ValueTaskOfT;
}

/// <summary>How an invalidating method returns: nothing, a value, or one of the awaitables it waits for before invalidating.</summary>
internal enum InvalidationReturn
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>
/// One attribute's removal: the entry of a <c>[Cached]</c> method (<see cref="KeyStruct"/> built from
/// <see cref="KeyArguments"/>), or a tag (<see cref="TagPieces"/>), from the cache of <see cref="CacheSource"/>
/// (the registry's when null). Neither: the target is not cached (its warning says why), so nothing is removed.
/// </summary>
internal sealed record InvalidationActionSpec(
    string Attribute,
    string? CacheSource,
    string? KeyStruct,
    string KeyArguments,
    bool KeyCheckedAtRunTime,
    EquatableArray<TagValueSpec> TagPieces);

/// <summary>Literal text (<see cref="Shape"/> null), or a value (<see cref="Value"/>: a parameter or <c>this.Member</c>) written by its key form.</summary>
internal sealed record TagValueSpec(string Text, string? Value, string? Type, KeyShapeSpec? Shape);

/// <summary>What the parser made of one invalidating method: a spec, a stub for a partial definition it cannot implement, or neither.</summary>
internal sealed record ParsedInvalidation(InvalidationMethodSpec? Method, StubSpec? Stub)
{
    public static readonly ParsedInvalidation None = new(null, null);
}
