namespace Kiln.Jit;

/// <summary>How code memory keeps W^X: no page is ever writable and executable at once.</summary>
public enum CodeMemoryStrategy
{
    /// <summary>The measured default strategy, or the other one (with the reason recorded) when the default is unavailable.</summary>
    Auto,

    /// <summary>
    /// Anonymous memory written read-write, then sealed with <c>mprotect</c> (code read-execute, data read-only).
    /// The mode that perf maps and GDB software breakpoints need.
    /// </summary>
    Mprotect,

    /// <summary>
    /// A <c>memfd_create</c> file mapped twice: written through a read-write view, executed from a separate
    /// read-execute view; sealing unmaps the writable view, so no <c>mprotect</c> is ever needed.
    /// </summary>
    DualMapping,
}
