using System.Runtime.InteropServices;

namespace Kiln.Jit.Interop;

/// <summary>
/// <c>sigaction</c> for the guard-page trap handler. The structure is glibc's <c>struct sigaction</c> on
/// x86-64 Linux (handler, a 128-byte mask, int flags, restorer: 152 bytes); glibc fills in its own restorer.
/// </summary>
internal static unsafe partial class LibC
{
    public const int Sigsegv = 11;

    public const int SaSiginfo = 0x4;
    public const int SaRestorer = 0x04000000;
    public const int SaOnstack = 0x08000000;
    public const int SaResethand = unchecked((int)0x80000000);

    /// <summary>SIG_DFL and SIG_IGN as handler values.</summary>
    public const nint SigDfl = 0;
    public const nint SigIgn = 1;

    /// <summary>x86-64 Linux <c>ucontext_t</c>: offset of the saved RIP (uc_mcontext.gregs[REG_RIP]).</summary>
    public const int UcontextRip = 168;

    /// <summary>x86-64 Linux system-call number of <c>rt_sigaction</c>.</summary>
    public const int SysRtSigaction = 13;

    [StructLayout(LayoutKind.Sequential)]
    public struct SigAction
    {
        public nint Handler;
        public fixed ulong Mask[16];
        public int Flags;
        private readonly int _padding;
        public nint Restorer;
    }

    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int Sigaction(int signal, SigAction* action, SigAction* previous);
}
