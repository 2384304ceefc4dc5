namespace Kiln.Jit;

/// <summary>
/// Settings of a <see cref="CodeMemory"/>. <see cref="Strategy"/> left at <see cref="CodeMemoryStrategy.Auto"/>
/// defers to the <c>KILN_CODE_MEMORY</c> environment variable (<c>mprotect</c>, <c>dual</c> or <c>auto</c>),
/// then to the measured default; an explicit strategy that is unavailable is an error, never a silent fallback.
/// </summary>
public sealed class CodeMemoryOptions
{
    /// <summary>The strategy to use; <see cref="CodeMemoryStrategy.Auto"/> picks one (see the type summary).</summary>
    public CodeMemoryStrategy Strategy { get; init; } = CodeMemoryStrategy.Auto;

    /// <summary>Whether <c>KILN_CODE_MEMORY</c> is consulted when <see cref="Strategy"/> is Auto (on by default).</summary>
    public bool UseEnvironment { get; init; } = true;
}
