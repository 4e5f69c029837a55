using System.ComponentModel;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cachka.Serialization;

/// <summary>
/// For generated code: the generator registers every <see cref="JsonSerializerContext"/> of a compilation here,
/// from a module initializer, so <see cref="JsonCacheSerializer.Default"/> serializes the types they describe
/// without reflection. Not for application code: to use other metadata, pass it to
/// <see cref="JsonCacheSerializer(IJsonTypeInfoResolver)"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JsonMetadataRegistration
{
    /// <summary>Makes <paramref name="context"/>'s metadata available to <see cref="JsonCacheSerializer.Default"/>.</summary>
    public static void Register(JsonSerializerContext context) => JsonMetadata.Register(context);
}
