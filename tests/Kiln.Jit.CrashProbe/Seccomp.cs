using System.Runtime.InteropServices;

namespace Kiln.Jit.CrashProbe;

/// <summary>One classic-BPF instruction (struct sock_filter).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockFilter
{
    public ushort Code;
    public byte JumpTrue;
    public byte JumpFalse;
    public uint K;

    public SockFilter(ushort code, byte jumpTrue, byte jumpFalse, uint k)
    {
        Code = code;
        JumpTrue = jumpTrue;
        JumpFalse = jumpFalse;
        K = k;
    }
}

/// <summary>
/// Installs a seccomp filter on the calling thread that makes one system call fail with a chosen errno, the way
/// a container profile or an SELinux policy would refuse it. Filters are built from the documented layout of
/// struct seccomp_data (nr at 0, arch at 4, args at 16 + 8*i) and only ever tighten this probe process.
/// </summary>
internal static unsafe partial class Seccomp
{
    public const uint SysMprotect = 10;
    public const uint SysMemfdCreate = 319;

    private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
    private const ushort JumpIfEqual = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort AndConstant = 0x54; // BPF_ALU | BPF_AND | BPF_K
    private const ushort Return = 0x06; // BPF_RET | BPF_K
    private const uint AuditArchX8664 = 0xC000003E;
    private const uint RetAllow = 0x7FFF0000;
    private const uint RetErrno = 0x00050000;
    private const uint ProtWrite = 0x2;
    private const uint ProtExec = 0x4;
    private const uint MfdExec = 0x10;

    /// <summary>Every call of <paramref name="syscall"/> fails with <paramref name="errno"/>.</summary>
    public static SockFilter[] BlockSyscall(uint syscall, uint errno) =>
    [
        new(LoadWordAbsolute, 0, 0, 4),
        new(JumpIfEqual, 0, 3, AuditArchX8664),
        new(LoadWordAbsolute, 0, 0, 0),
        new(JumpIfEqual, 0, 1, syscall),
        new(Return, 0, 0, RetErrno | errno),
        new(Return, 0, 0, RetAllow),
    ];

    /// <summary>
    /// <c>mprotect</c> to read-execute (PROT_EXEC without PROT_WRITE) fails with <paramref name="errno"/>, as SELinux
    /// deny_execmem refuses it. Calls that keep PROT_WRITE pass, so a runtime started with W^X off (which commits
    /// its own code heap read-write-execute) keeps working while Kiln's seal is refused.
    /// </summary>
    public static SockFilter[] BlockMprotectToExecute(uint errno) =>
        BlockWhenArgumentMatches(SysMprotect, argument: 2, mask: ProtWrite | ProtExec, value: ProtExec, errno);

    /// <summary><c>memfd_create</c> with MFD_EXEC fails with EINVAL, as on kernels before 6.3 that do not know the flag.</summary>
    public static SockFilter[] BlockMemfdExecFlag() =>
        BlockWhenArgumentMatches(SysMemfdCreate, argument: 1, mask: MfdExec, value: MfdExec, errno: 22);

    /// <summary>The call fails with <paramref name="errno"/> when the low half of the argument, masked, equals the value.</summary>
    private static SockFilter[] BlockWhenArgumentMatches(uint syscall, int argument, uint mask, uint value, uint errno) =>
    [
        new(LoadWordAbsolute, 0, 0, 4),
        new(JumpIfEqual, 0, 6, AuditArchX8664),
        new(LoadWordAbsolute, 0, 0, 0),
        new(JumpIfEqual, 0, 4, syscall),
        new(LoadWordAbsolute, 0, 0, (uint)(16 + 8 * argument)),
        new(AndConstant, 0, 0, mask),
        new(JumpIfEqual, 0, 1, value),
        new(Return, 0, 0, RetErrno | errno),
        new(Return, 0, 0, RetAllow),
    ];

    public static void Install(SockFilter[] filter)
    {
        if (Prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) != 0)
        {
            throw new InvalidOperationException($"PR_SET_NO_NEW_PRIVS failed: errno {Marshal.GetLastPInvokeError()}");
        }
        fixed (SockFilter* instructions = filter)
        {
            var program = new SockFprog { Length = (ushort)filter.Length, Filter = instructions };
            if (Prctl(22 /* PR_SET_SECCOMP */, 2 /* SECCOMP_MODE_FILTER */, (nuint)(&program), 0, 0) != 0)
            {
                throw new InvalidOperationException($"PR_SET_SECCOMP failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
