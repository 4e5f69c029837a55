using System.Text.Json.Serialization;

namespace Cachka.Sample;

/// <summary>
/// JSON metadata for Forecast, so SQLite stores it without reflection when the sample is published trimmed or as
/// Native AOT (`dotnet publish -p:PublishAot=true`). Cachka's generator registers every JsonSerializerContext of the
/// project; without this one such a build warns CACHKA017 (its code fix writes this class).
/// </summary>
[JsonSerializable(typeof(Forecast))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;
