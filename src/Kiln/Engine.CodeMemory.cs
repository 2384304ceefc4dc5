namespace Kiln;

/// <summary>The engine's code memory as the public API shows it: statistics, a description, and errors as <see cref="NativeCodeException"/>.</summary>
public sealed partial class Engine
{
    /// <summary>
    /// A snapshot of the counters of the engine's code memory (bytes used and committed, <c>mprotect</c> calls, batches),
    /// for <c>kiln run --stats</c> and monitoring; null on the interpreter tier, which has no code memory.
    /// </summary>
    public CodeMemoryStatistics? GetCodeMemoryStatistics() =>
        _codeMemory is { } memory ? CodeMemoryStatistics.From(memory.GetStatistics()) : null;

    /// <summary>
    /// One line for humans on the W^X strategy a compiling engine would use here and why (<c>kiln version</c>):
    /// <c>KILN_CODE_MEMORY</c>, else the measured default, with the reason for any fallback.
    /// </summary>
    /// <exception cref="NativeCodeException"><c>KILN_CODE_MEMORY</c> names no strategy.</exception>
    public static string DescribeCodeMemory() => NativeCodeException.Translate(Jit.CodeMemory.DescribeDefault);

    /// <summary>The code memory of a compiling engine; the compiler layer's failure becomes a <see cref="NativeCodeException"/>.</summary>
    private static Jit.CodeMemory CreateCodeMemory(Jit.CodeMemoryStrategy strategy) =>
        NativeCodeException.Translate(() => new Jit.CodeMemory(new Jit.CodeMemoryOptions { Strategy = strategy }));
}
