using System.Runtime.InteropServices;
using Kiln.Jit.Interop;

namespace Kiln.Jit.Traps;

/// <summary>
/// Turns hardware faults at known instructions of generated code into jumps to recovery code, so a code
/// generator can let the MMU check an access (a guard page) instead of emitting a compare and branch. A
/// process-wide SIGSEGV handler, written as machine code into W^X code memory, looks the faulting RIP up in
/// the registered trap-site tables: an exact hit rewrites the RIP in the signal context to the site's
/// recovery address and returns; anything else is passed on to the handler that was installed before
/// (the .NET runtime's, which turns faults in managed code into NullReferenceException).
/// </summary>
/// <remarks>
/// Partial files: this one installs the handler and holds its native state; <c>TrapHandler.Code.cs</c>
/// generates the handler; <c>TrapHandler.Registry.cs</c> publishes the tables it reads. The handler calls no
/// libc and no managed code (neither is async-signal-safe), takes no lock, and allocates nothing: it reads
/// an immutable table through one published pointer (see the registry for how old tables are reclaimed).
/// Linux x86-64 only; elsewhere <see cref="TryInstall"/> says why not.
/// </remarks>
public static unsafe partial class TrapHandler
{
    private static readonly object s_installLock = new();
    private static State* s_state;
    private static CodeMemory? s_codeMemory;
    private static nint s_handlerAddress;
    private static string? s_installFailure;

    /// <summary>True once the handler is installed (it stays installed for the life of the process).</summary>
    public static bool IsInstalled => Volatile.Read(ref s_handlerAddress) != 0;

    /// <summary>Address of the generated handler (0 before installation), for diagnostics and tests.</summary>
    public static nint HandlerAddress => Volatile.Read(ref s_handlerAddress);

    /// <summary>
    /// Installs the handler once per process (later calls return the first answer). False, with the reason,
    /// when this platform or process cannot have it: not Linux x86-64, no W^X code memory, or sigaction refused.
    /// </summary>
    public static bool TryInstall(out string? failure)
    {
        lock (s_installLock)
        {
            if (s_handlerAddress == 0 && s_installFailure is null)
            {
                s_installFailure = Install();
            }
            failure = s_installFailure;
            return failure is null;
        }
    }

    /// <summary>Faults the handler redirected to a recovery address, since installation.</summary>
    public static long RedirectedFaults => s_state == null ? 0 : Volatile.Read(ref s_state->Redirected);

    /// <summary>Faults the handler passed on to the previous handler (not at a registered site), since installation.</summary>
    public static long PassedOnFaults => s_state == null ? 0 : Volatile.Read(ref s_state->PassedOn);

    private static string? Install()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"guard-page traps are implemented for Linux x86-64 only (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture})";
        }
        State* state = (State*)NativeMemory.AlignedAlloc((nuint)sizeof(State), 64);
        *state = default;
        CodeMemory memory;
        nint handler;
        try
        {
            memory = new CodeMemory();
            handler = EmitHandler(memory, state);
        }
        catch (CodeMemoryException e)
        {
            NativeMemory.AlignedFree(state);
            return $"no code memory for the signal handler: {e.Message}";
        }
        LibC.SigAction previous;
        if (LibC.Sigaction(LibC.Sigsegv, null, &previous) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            memory.Dispose();
            NativeMemory.AlignedFree(state);
            return $"sigaction(SIGSEGV) could not be read: {Errno.Describe(errno)}";
        }
        // The handler chains to this one; it must be in place before the first fault can reach the handler.
        state->PreviousHandler = previous.Handler;
        LibC.SigAction action = previous;
        action.Handler = handler;
        // The .NET runtime's flags and mask are kept: SA_ONSTACK above all (its handler must run on the alternate
        // stack, or a managed null dereference near a stack guard smashes the stack), and its mask, which blocks the
        // runtime's own suspension signal while a fault is handled. glibc supplies the restorer itself.
        action.Flags = (previous.Flags | LibC.SaSiginfo | LibC.SaOnstack) & ~(LibC.SaResethand | LibC.SaRestorer);
        action.Restorer = 0;
        if (LibC.Sigaction(LibC.Sigsegv, &action, null) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            memory.Dispose();
            NativeMemory.AlignedFree(state);
            return $"sigaction(SIGSEGV) refused the handler: {Errno.Describe(errno)}";
        }
        // Never freed: the handler may run on any thread until the process ends.
        s_state = state;
        s_codeMemory = memory;
        Volatile.Write(ref s_handlerAddress, handler);
        return null;
    }

    /// <summary>
    /// The handler's native state, read by the generated code at the offsets below. Allocated once, never freed.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct State
    {
        /// <summary>The published table (<see cref="TableHeader"/>, then sorted <see cref="TrapRange"/>s); 0 when empty.</summary>
        public nint Table;

        /// <summary>Handlers between their first read of <see cref="Table"/> and their last use of it.</summary>
        public long Readers;

        /// <summary>The handler installed before ours: SIG_DFL (0), SIG_IGN (1), or a function to jump to.</summary>
        public nint PreviousHandler;

        public long Redirected;
        public long PassedOn;

        /// <summary>A kernel <c>struct sigaction</c> (handler, flags, restorer, mask) of all zeros: SIG_DFL.</summary>
        public fixed long DefaultAction[4];
    }

    private const int StateTable = 0;
    private const int StateReaders = 8;
    private const int StatePreviousHandler = 16;
    private const int StateRedirected = 24;
    private const int StatePassedOn = 32;
    private const int StateDefaultAction = 40;

    /// <summary>Head of a published table: the number of ranges that follow.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TableHeader
    {
        public long Count;
    }

    /// <summary>One registered code range as the handler reads it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct TrapRange
    {
        public nint Start;
        public nint End;
        public int* Sites;
        public long SiteCount;
        public nint Recovery;
    }

    private const int RangeStart = 0;
    private const int RangeEnd = 8;
    private const int RangeSites = 16;
    private const int RangeSiteCount = 24;
    private const int RangeRecovery = 32;
    private const int RangeSize = 40;
}
