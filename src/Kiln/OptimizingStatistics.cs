namespace Kiln;

/// <summary>
/// How many functions the optimizing tier compiled through its own pipeline and how many it handed to the baseline
/// compiler instead, with the reasons (the builder's refusal messages), so a fallback is never mistaken for coverage.
/// One per engine (<see cref="Engine.OptimizingStatistics"/>); thread-safe.
/// </summary>
public sealed class OptimizingStatistics
{
    private readonly object _lock = new();
    private readonly Dictionary<string, int> _reasons = new(StringComparer.Ordinal);
    private int _optimized;
    private int _fellBack;
    private int _inlined;

    /// <summary>Functions compiled by the optimizing pipeline (SSA, passes, register allocation).</summary>
    public int Optimized => Volatile.Read(ref _optimized);

    /// <summary>Functions compiled by the baseline compiler because the optimizing pipeline refused them.</summary>
    public int FellBack => Volatile.Read(ref _fellBack);

    /// <summary>Direct calls the optimizing tier replaced by a copy of the callee (<c>Optimizing.Passes.Inliner</c>), in the functions it optimized.</summary>
    public int Inlined => Volatile.Read(ref _inlined);

    /// <summary>A copy of the fallback reasons with their counts.</summary>
    public IReadOnlyDictionary<string, int> FallbackReasons
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, int>(_reasons, StringComparer.Ordinal);
            }
        }
    }

    internal void RecordOptimized() => Interlocked.Increment(ref _optimized);

    internal void RecordInlined(int calls) => Interlocked.Add(ref _inlined, calls);

    internal void RecordFallback(string reason)
    {
        // "(function 12, offset 0x2)" names one function; reasons are counted by what was refused.
        reason = System.Text.RegularExpressions.Regex.Replace(reason, @" \(function \d+, offset 0x[0-9a-fA-F]+\)$", "");
        Interlocked.Increment(ref _fellBack);
        lock (_lock)
        {
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
        }
    }

    /// <summary>One line, then one line per reason (most frequent first): what the CLI prints.</summary>
    public string Describe()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append($"optimizing tier: {Optimized} functions optimized, {FellBack} compiled by the baseline instead, {Inlined} calls inlined");
        foreach (KeyValuePair<string, int> r in FallbackReasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            sb.Append($"\n  {r.Value,6}  {r.Key}");
        }
        return sb.ToString();
    }
}
