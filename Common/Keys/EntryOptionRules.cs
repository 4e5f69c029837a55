using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;

namespace Cachka.CodeAnalysis;

/// <summary>One invalid value of a <c>[Cached]</c> option: the property, the value as written, and what to do (CACHKA009/019).</summary>
internal readonly struct OptionProblem(string property, string value, string advice)
{
    public string Property { get; } = property;

    public string Value { get; } = value;

    public string Advice { get; } = advice;
}

/// <summary>The entry options written on a <c>[Cached]</c> attribute (0: the cache's default; <c>Ttl</c> defaults to 300 s).</summary>
/// <remarks>A struct: the generator reads one for every method on every run.</remarks>
internal struct EntryOptionValues
{
    private EntryOptionValues(int ttl) => Ttl = ttl;

    public int Ttl { get; private set; }

    public int FailSafeMaxDuration { get; private set; }

    public int FailSafeThrottleDuration { get; private set; }

    public int FactorySoftTimeoutMs { get; private set; }

    public int FactoryHardTimeoutMs { get; private set; }

    public double EagerRefreshThreshold { get; private set; }

    public int Jitter { get; private set; }

    public static EntryOptionValues Read(AttributeData cached)
    {
        var values = new EntryOptionValues(300);
        foreach (var argument in cached.NamedArguments)
        {
            if (argument.Value.Kind == TypedConstantKind.Array)
                continue;
            if (argument.Value.Value is double fraction && argument.Key == "EagerRefreshThreshold")
                values.EagerRefreshThreshold = fraction;
            if (argument.Value.Value is not int number)
                continue;
            switch (argument.Key)
            {
                case "Ttl": values.Ttl = number; break;
                case "FailSafeMaxDuration": values.FailSafeMaxDuration = number; break;
                case "FailSafeThrottleDuration": values.FailSafeThrottleDuration = number; break;
                case "FactorySoftTimeoutMs": values.FactorySoftTimeoutMs = number; break;
                case "FactoryHardTimeoutMs": values.FactoryHardTimeoutMs = number; break;
                case "Jitter": values.Jitter = number; break;
            }
        }

        return values;
    }
}

/// <summary>
/// The valid values of <c>[Cached]</c>'s entry options, shared by the generator (which implements a method only with
/// valid values) and the analyzers (which report each invalid one).
/// </summary>
internal static class EntryOptionRules
{
    private const string Seconds = "it is a number of seconds and must be 0 (the cache's default) or greater";
    private const string Milliseconds = "it is a number of milliseconds and must be 0 (the cache's default) or greater";

    /// <summary>Every invalid value, in property order; empty when all are valid. <c>Ttl</c> is CACHKA009's and not listed.</summary>
    public static List<OptionProblem> Problems(EntryOptionValues values)
    {
        var problems = new List<OptionProblem>();
        Check(in values, problems);
        return problems;
    }

    /// <summary>Whether some value other than <c>Ttl</c> is invalid: <see cref="Problems"/> is not empty (without building it).</summary>
    public static bool HasProblems(EntryOptionValues values) => Check(in values, problems: null);

    // The rules, once: whether any value is invalid, each invalid one added to problems when there is a list.
    private static bool Check(in EntryOptionValues values, List<OptionProblem>? problems)
    {
        var (softTimeoutMs, hardTimeoutMs, eagerRefresh) = (values.FactorySoftTimeoutMs, values.FactoryHardTimeoutMs, values.EagerRefreshThreshold);
        var invalid = Negative(problems, "FailSafeMaxDuration", values.FailSafeMaxDuration, Seconds);
        invalid |= Negative(problems, "FailSafeThrottleDuration", values.FailSafeThrottleDuration, Seconds);
        invalid |= Negative(problems, "FactorySoftTimeoutMs", softTimeoutMs, Milliseconds);
        invalid |= Negative(problems, "FactoryHardTimeoutMs", hardTimeoutMs, Milliseconds);
        if (softTimeoutMs > 0 && hardTimeoutMs > 0 && softTimeoutMs >= hardTimeoutMs)
        {
            invalid = true;
            problems?.Add(new OptionProblem("FactorySoftTimeoutMs", Text(softTimeoutMs),
                "it must be less than FactoryHardTimeoutMs (" + Text(hardTimeoutMs) + "): the soft timeout returns a stale value while the body goes on, the hard one gives up, so the soft one comes first; lower it or raise FactoryHardTimeoutMs"));
        }

        if (eagerRefresh != 0 && !(eagerRefresh > 0 && eagerRefresh < 1))
        {
            invalid = true;
            problems?.Add(new OptionProblem("EagerRefreshThreshold", eagerRefresh.ToString("R", CultureInfo.InvariantCulture),
                "it is the fraction of the TTL after which a hit refreshes the entry in the background and must be between 0 and 1, exclusive (e.g. 0.8), or 0 for the cache's default"));
        }

        invalid |= Negative(problems, "Jitter", values.Jitter, Seconds);
        return invalid;
    }

    /// <summary>Whether <c>Ttl</c> is valid (CACHKA009): a positive number of seconds.</summary>
    public static bool IsValidTtl(int ttl) => ttl > 0;

    private static bool Negative(List<OptionProblem>? problems, string property, int value, string advice)
    {
        if (value >= 0)
            return false;
        problems?.Add(new OptionProblem(property, Text(value), advice));
        return true;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
