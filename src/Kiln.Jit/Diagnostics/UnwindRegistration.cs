using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit.Diagnostics;

/// <summary>
/// Makes generated code walkable by the system unwinder (libgcc's, used by glibc <c>backtrace</c>, C++ exceptions
/// and crash reporters): a batch's <c>.eh_frame</c> is copied to native memory, handed to <c>__register_frame</c>,
/// and on <see cref="Dispose"/> handed to <c>__deregister_frame</c> and freed. libgcc keeps the pointer, so the
/// copy must outlive the registration and never move: hence native memory, not a pinned array.
/// </summary>
internal sealed unsafe class UnwindRegistration : IDisposable
{
    private nint _ehFrame;

    private UnwindRegistration(nint ehFrame) => _ehFrame = ehFrame;

    /// <summary>Registers <paramref name="ehFrame"/>, built with <see cref="EhFramePointers.Absolute"/> and ending in the zero terminator.</summary>
    public static UnwindRegistration Register(ReadOnlySpan<byte> ehFrame)
    {
        if (ehFrame.Length < 8 || MemoryMarshal.Read<uint>(ehFrame[^4..]) != 0)
        {
            throw new ArgumentException("An .eh_frame for __register_frame must end in a zero terminator.", nameof(ehFrame));
        }
        var copy = (nint)NativeMemory.AlignedAlloc((nuint)ehFrame.Length, 8);
        ehFrame.CopyTo(new Span<byte>((void*)copy, ehFrame.Length));
        LibGcc.RegisterFrame(copy);
        return new UnwindRegistration(copy);
    }

    /// <summary>Deregisters and frees; must run before the code's pages are unmapped. Idempotent.</summary>
    public void Dispose()
    {
        nint ehFrame = Interlocked.Exchange(ref _ehFrame, 0);
        if (ehFrame != 0)
        {
            LibGcc.DeregisterFrame(ehFrame);
            NativeMemory.AlignedFree((void*)ehFrame);
        }
    }
}
