namespace Kiln.Jit;

/// <summary>
/// A failure of executable code memory: a refused system call (with its errno), an unavailable strategy,
/// or a batch that outgrew its capacity. Misuse of the API (a foreign handle, a sealed builder) throws the
/// usual argument and state exceptions instead.
/// </summary>
public sealed class CodeMemoryException : Exception
{
    public CodeMemoryException(string message) : base(message)
    {
    }

    public CodeMemoryException(string message, int errno) : base(message)
    {
        Errno = errno;
    }

    public CodeMemoryException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The errno of the failed system call, or 0 when the failure was not a system call.</summary>
    public int Errno { get; }
}
