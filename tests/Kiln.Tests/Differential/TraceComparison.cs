namespace Kiln.Tests.Differential;

/// <summary>
/// Compares a trace with the oracle's. Lines must be equal except where engines may legitimately
/// differ: call stack exhaustion depends on each engine's stack size, so once either side reports
/// <c>trap stack</c> nothing after it is compared; a rejected module compares by its first word
/// only (engines word errors differently). NaN bits may differ between engines (Spec 4.3.3): logged
/// and returned NaNs then compare as <c>nan</c> whatever their bits (<c>foldNaNBits</c>), and since a
/// NaN stored to memory shows in its hash, and from there in anything that loads the bytes back as
/// integers, for modules not instrumented with <c>--denan</c> (<c>nanBitsMayDiffer</c>) a first
/// difference in a memory hash ends the comparison (they still compare everything up to it). Kiln's
/// tiers compared with each other fold nothing: NaN bits must agree too.
/// </summary>
internal static class TraceComparison
{
    /// <summary>Null when the traces agree, else where and how they first differ; logged and returned NaNs compare as <c>nan</c>.</summary>
    public static string? Compare(IReadOnlyList<string> oracle, IReadOnlyList<string> other, bool nanBitsMayDiffer = false) =>
        Compare(oracle, other, nanBitsMayDiffer, foldNaNBits: true, out _);

    /// <param name="foldNaNBits">Compare logged and returned NaNs as <c>nan</c>, whatever their bits (false: the bits must agree).</param>
    /// <param name="stoppedAtNanMemory">True when the comparison ended early at a memory hash that NaN bits may explain.</param>
    public static string? Compare(IReadOnlyList<string> oracle, IReadOnlyList<string> other, bool nanBitsMayDiffer, bool foldNaNBits, out bool stoppedAtNanMemory)
    {
        stoppedAtNanMemory = false;
        string lastCall = "(instantiation)";
        int n = Math.Max(oracle.Count, other.Count);
        for (int i = 0; i < n; i++)
        {
            string? a = i < oracle.Count ? oracle[i] : null;
            string? b = i < other.Count ? other[i] : null;
            if (foldNaNBits)
            {
                a = a is null ? null : Trace.FoldNaNBits(a);
                b = b is null ? null : Trace.FoldNaNBits(b);
            }
            if (a == "trap stack" || b == "trap stack")
            {
                return null;
            }
            if (a is not null && a.StartsWith("call ", StringComparison.Ordinal))
            {
                lastCall = a[5..];
            }
            if (a is not null && b is not null && Equivalent(a, b))
            {
                continue;
            }
            if (nanBitsMayDiffer && a is not null && b is not null && a.StartsWith("mem ", StringComparison.Ordinal) && b.StartsWith("mem ", StringComparison.Ordinal)
                && FirstWords(a, 2) == FirstWords(b, 2))
            {
                stoppedAtNanMemory = true;
                return null;
            }
            return $"line {i + 1}, in {Uri.UnescapeDataString(lastCall)}: expected '{a ?? "(end)"}', got '{b ?? "(end)"}'";
        }
        return null;
    }

    private static bool Equivalent(string a, string b) =>
        a == b
        || (IsRejection(a) && FirstWord(a) == FirstWord(b))
        || (a == FloatToInt && IsTruncationTrap(b))
        || (b == FloatToInt && IsTruncationTrap(a));

    /// <summary>
    /// V8 has one message for both failing truncations (Spec 4.3.3: trunc of a NaN is an invalid
    /// conversion, of an out-of-range value an integer overflow), which its runner names
    /// <c>float-to-int</c>; it matches either of Kiln's codes.
    /// </summary>
    private const string FloatToInt = "trap float-to-int";

    private static bool IsTruncationTrap(string line) => line is "trap bad-conversion" or "trap int-overflow";

    private static bool IsRejection(string line) =>
        line.StartsWith("invalid", StringComparison.Ordinal) || line.StartsWith("link-error", StringComparison.Ordinal);

    private static string FirstWord(string line) => line.Split(' ', 2)[0];

    private static string FirstWords(string line, int count) => string.Join(' ', line.Split(' ').Take(count));
}
