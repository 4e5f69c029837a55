using System.Collections.Generic;
using System.Globalization;

namespace Cachka.CodeAnalysis;

/// <summary>One invalid value of a <c>[Cached]</c> option: the property, the value as written, and what to do (CACHKA009/019).</summary>
internal readonly struct OptionProblem(string property, string value, string advice)
{
    public string Property { get; } = property;

    public string Value { get; } = value;

    public string Advice { get; } = advice;
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
    public static List<OptionProblem> Problems(int failSafeMax, int failSafeThrottle, int softTimeoutMs, int hardTimeoutMs, double eagerRefresh, int jitter)
    {
        var problems = new List<OptionProblem>();
        Negative(problems, "FailSafeMaxDuration", failSafeMax, Seconds);
        Negative(problems, "FailSafeThrottleDuration", failSafeThrottle, Seconds);
        Negative(problems, "FactorySoftTimeoutMs", softTimeoutMs, Milliseconds);
        Negative(problems, "FactoryHardTimeoutMs", hardTimeoutMs, Milliseconds);
        if (softTimeoutMs > 0 && hardTimeoutMs > 0 && softTimeoutMs >= hardTimeoutMs)
        {
            problems.Add(new OptionProblem("FactorySoftTimeoutMs", Text(softTimeoutMs),
                "it must be less than FactoryHardTimeoutMs (" + Text(hardTimeoutMs) + "): the soft timeout returns a stale value while the body goes on, the hard one gives up, so the soft one comes first; lower it or raise FactoryHardTimeoutMs"));
        }

        if (eagerRefresh != 0 && !(eagerRefresh > 0 && eagerRefresh < 1))
        {
            problems.Add(new OptionProblem("EagerRefreshThreshold", eagerRefresh.ToString("R", CultureInfo.InvariantCulture),
                "it is the fraction of the TTL after which a hit refreshes the entry in the background and must be between 0 and 1, exclusive (e.g. 0.8), or 0 for the cache's default"));
        }

        Negative(problems, "Jitter", jitter, Seconds);
        return problems;
    }

    /// <summary>Whether <c>Ttl</c> is valid (CACHKA009): a positive number of seconds.</summary>
    public static bool IsValidTtl(int ttl) => ttl > 0;

    private static void Negative(List<OptionProblem> problems, string property, int value, string advice)
    {
        if (value < 0)
            problems.Add(new OptionProblem(property, Text(value), advice));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
