using Cachka.Analyzers;
using Cachka.Analyzers.CodeFixes;

namespace Cachka.Tests.Analyzers;

/// <summary>
/// CACHKA028: a factory lambda that captures allocates a closure and a delegate on every call, hits included; the state
/// overloads with a static lambda allocate nothing. CACHKA029 instead when a captured variable changes after the call (a
/// factory run after its call has returned would read the later value). The code fix rewrites the call and the result
/// must compile.
/// </summary>
public sealed class CapturingFactoryTests
{
    private const string Prelude = """
        public sealed record User(int Id, string Name);

        public class Users
        {
            private readonly ICache _cache;
            private readonly int _tenant = 1;

            public Users(ICache cache) => _cache = cache;

            private static User Load(int id) => new(id, "u");

            private static User Load(int id, string name) => new(id, name);

            private static ValueTask<User> LoadAsync(int id, CancellationToken ct) => new(new User(id, "u"));

        """;

    private static Task VerifyAsync(string members) =>
        AnalyzerTest.VerifyAsync<CapturingFactoryAnalyzer>(Prelude + members + "\n}\n");

    private static Task VerifyFixAsync(string members, string fixedMembers) =>
        AnalyzerTest.VerifyFixAsync<CapturingFactoryAnalyzer, PassStateCodeFixProvider>(Prelude + members + "\n}\n", Prelude + fixedMembers + "\n}\n");

    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"user:\" + id, {|CACHKA028:() => Load(id)|});", TestName = "A captured parameter")]
    [TestCase("public User Get() { var id = 3; return _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(id)|}); }", TestName = "A captured local")]
    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(_tenant)|});", TestName = "Captured this (an instance field)")]
    [TestCase("public ValueTask<User> GetAsync(int id, CancellationToken ct) => _cache.GetOrCreateAsync(\"u\", {|CACHKA028:c => LoadAsync(id, c)|}, null, ct);", TestName = "The async overload")]
    [TestCase("public User Get(int id, string name) => _cache.GetOrCreate(\"u\", {|CACHKA028:delegate { return Load(id, name); }|});", TestName = "An anonymous method")]
    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"u\", id, {|CACHKA028:(s, ctx) => Load(s + _tenant)|});", TestName = "A state overload's lambda that captures this")]
    [TestCase("public ValueTask<User> GetAsync(int id, string name) => _cache.GetOrCreateAsync(\"u\", id, {|CACHKA028:(s, ct) => LoadAsync(s + name.Length, ct)|});", TestName = "A state overload's lambda that captures a parameter")]
    public Task A_capturing_factory_is_CACHKA028(string members) => VerifyAsync(members);

    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"u\", static () => Load(1));", TestName = "A static lambda")]
    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"u\", () => Load(1));", TestName = "A lambda that captures nothing")]
    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"u\", id, static id => Load(id));", TestName = "The state overload")]
    [TestCase("public User Get(int id) => _cache.GetOrCreate(\"u\", Make);\n    private static User Make() => Load(1);", TestName = "A method group")]
    [TestCase("public User Get(int id) { var runs = 0; return _cache.GetOrCreate(\"u\", () => { runs++; return Load(id); }); }", TestName = "A lambda that assigns what it captures")]
    [TestCase("public User Get(int id) { Func<User> f = () => Load(id); return _cache.GetOrCreate(\"u\", f); }", TestName = "A delegate made elsewhere")]
    public Task Nothing_else_is_CACHKA028(string members) => VerifyAsync(members);

    [TestCase("public void Warm() { for (var id = 0; id < 10; id++) _cache.GetOrCreate(\"user:\" + id, {|CACHKA029:() => Load(id)|}); }", TestName = "A for loop's variable")]
    [TestCase("public void Warm() { var id = 0; while (id < 10) { _cache.GetOrCreate(\"user:\" + id, {|CACHKA029:() => Load(id)|}); id++; } }", TestName = "A while loop's counter")]
    [TestCase("public void Warm(int[] ids) { int id; foreach (var each in ids) { id = each; _cache.GetOrCreate(\"user:\" + id, {|CACHKA029:() => Load(id)|}); } }", TestName = "Assigned in a loop, declared outside it")]
    [TestCase("public User Get(int id) { var user = _cache.GetOrCreate(\"user:\" + id, {|CACHKA029:() => Load(id)|}); id = 0; return user; }", TestName = "A parameter assigned after the call")]
    [TestCase("public User Get(int id, string name) { var user = _cache.GetOrCreate(\"u\", {|CACHKA029:() => Load(id, name)|}); Bump(ref id); return user; }\n    private static void Bump(ref int value) => value++;", TestName = "Passed by reference after the call")]
    [TestCase("public void Warm() { for (var i = 0; i < 10; i++) _cache.GetOrCreate(\"user:\" + i, 0, {|CACHKA029:s => Load(i)|}); }", TestName = "A state overload's lambda over a for loop's variable")]
    public Task Changes_after_the_call_are_CACHKA029(string members) => VerifyAsync(members);

    [TestCase("public void Warm(int[] ids) { foreach (var id in ids) _cache.GetOrCreate(\"user:\" + id, {|CACHKA028:() => Load(id)|}); }", TestName = "A foreach variable (one per iteration)")]
    [TestCase("public void Warm() { for (var i = 0; i < 10; i++) { var id = i; _cache.GetOrCreate(\"user:\" + id, {|CACHKA028:() => Load(id)|}); } }", TestName = "A copy declared in the loop's body")]
    [TestCase("public User Get(int id) { id = Math.Abs(id); return _cache.GetOrCreate(\"user:\" + id, {|CACHKA028:() => Load(id)|}); }", TestName = "Assigned before the call only")]
    public Task Variables_that_do_not_change_after_the_call_stay_CACHKA028(string members) => VerifyAsync(members);

    [Test]
    public Task A_for_loops_variable_becomes_state() => VerifyFixAsync(
        "public void Warm() { for (var id = 0; id < 10; id++) _cache.GetOrCreate(\"user:\" + id, {|CACHKA029:() => Load(id)|}); }",
        "public void Warm() { for (var id = 0; id < 10; id++) _cache.GetOrCreate(\"user:\" + id, id, static id => Load(id)); }");

    [Test]
    public Task One_captured_variable_becomes_the_state_and_the_static_lambdas_parameter() => VerifyFixAsync(
        "public User Get(int id) => _cache.GetOrCreate(\"user:\" + id, {|CACHKA028:() => Load(id)|});",
        "public User Get(int id) => _cache.GetOrCreate(\"user:\" + id, id, static id => Load(id));");

    [Test]
    public Task The_ttl_becomes_entry_options() => VerifyFixAsync(
        "public User Get(int id) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(id)|}, TimeSpan.FromMinutes(5));",
        "public User Get(int id) => _cache.GetOrCreate(\"u\", id, static id => Load(id), new CacheEntryOptions(TimeSpan.FromMinutes(5)));");

    [Test]
    public Task Several_captured_variables_travel_as_a_tuple() => VerifyFixAsync(
        "public User Get(int id, string name) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(id, name)|});",
        "public User Get(int id, string name) => _cache.GetOrCreate(\"u\", (id, name), static state => Load(state.id, state.name));");

    [Test]
    public Task The_async_overload_keeps_its_token_parameter_and_argument() => VerifyFixAsync(
        "public ValueTask<User> GetAsync(int id, CancellationToken ct) => _cache.GetOrCreateAsync(\"u\", {|CACHKA028:async c => await LoadAsync(id, c)|}, TimeSpan.FromSeconds(30), ct);",
        "public ValueTask<User> GetAsync(int id, CancellationToken ct) => _cache.GetOrCreateAsync(\"u\", id, static async (id, c) => await LoadAsync(id, c), new CacheEntryOptions(TimeSpan.FromSeconds(30)), ct);");

    [Test]
    public Task Named_arguments_stay_named() => VerifyFixAsync(
        "public ValueTask<User> GetAsync(int id, CancellationToken ct) => _cache.GetOrCreateAsync(key: \"u\", factory: {|CACHKA028:c => LoadAsync(id, c)|}, cancellationToken: ct, ttl: TimeSpan.FromSeconds(1));",
        "public ValueTask<User> GetAsync(int id, CancellationToken ct) => _cache.GetOrCreateAsync(key: \"u\", state: id, factory: static (id, c) => LoadAsync(id, c), cancellationToken: ct, options: new CacheEntryOptions(TimeSpan.FromSeconds(1)));");

    [Test]
    public Task An_explicit_type_argument_gains_the_states_type() => VerifyFixAsync(
        "public User Get(int id, string name) => _cache.GetOrCreate<User>(\"u\", {|CACHKA028:() => Load(id, name)|});",
        "public User Get(int id, string name) => _cache.GetOrCreate<(int id, string name), User>(\"u\", (id, name), static state => Load(state.id, state.name));");

    [Test]
    public Task No_fix_when_a_variable_has_a_name_a_tuple_element_cannot_take() => VerifyFixAsync(
        "public User Get(int Rest, string name) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(Rest, name)|});",
        "public User Get(int Rest, string name) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(Rest, name)|});");

    [Test]
    public Task No_fix_on_a_state_overload() => VerifyFixAsync(
        "public User Get(int id, string name) => _cache.GetOrCreate(\"u\", id, {|CACHKA028:s => Load(s, name)|});",
        "public User Get(int id, string name) => _cache.GetOrCreate(\"u\", id, {|CACHKA028:s => Load(s, name)|});");

    [Test]
    public Task No_fix_when_the_lambda_captures_this() => VerifyFixAsync(
        "public User Get(int id) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(id + _tenant)|});",
        "public User Get(int id) => _cache.GetOrCreate(\"u\", {|CACHKA028:() => Load(id + _tenant)|});");
}
