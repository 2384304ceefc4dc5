namespace Kiln.Jit.Diagnostics;

/// <summary>
/// What <c>JitDiagnostics.Register</c> left registered for one batch: its unwind info with libgcc and its
/// object with GDB. Disposed by the batch before its pages are unmapped (or earlier by the owner); idempotent.
/// Perf map lines and jitdump records stay: perf resolves addresses by time, so later code at the same address
/// simply gets its own later record.
/// </summary>
public sealed class JitRegistration : IDisposable
{
    private IDisposable? _unwind;
    private IDisposable? _gdb;

    internal JitRegistration(IDisposable? unwind, IDisposable? gdb)
    {
        _unwind = unwind;
        _gdb = gdb;
    }

    /// <summary>A registration with nothing to undo.</summary>
    public static JitRegistration Empty { get; } = new(null, null);

    /// <summary>Whether the batch's object is registered with GDB.</summary>
    public bool IsRegisteredWithGdb => Volatile.Read(ref _gdb) is not null;

    /// <summary>Whether the batch's unwind info is registered with libgcc.</summary>
    public bool IsRegisteredWithUnwinder => Volatile.Read(ref _unwind) is not null;

    public void Dispose()
    {
        Interlocked.Exchange(ref _gdb, null)?.Dispose();
        Interlocked.Exchange(ref _unwind, null)?.Dispose();
    }
}
