using Kiln.Isolation.Seccomp;

namespace Kiln.Jit.CrashProbe;

/// <summary>
/// The seccomp filters the code-memory fallback tests run under: each makes one call fail with a chosen errno, the way a
/// container profile or an SELinux policy would refuse it, and allows everything else. Built with Kiln.Isolation's
/// filter builder; installed on the calling thread only, which is the thread that then uses code memory.
/// </summary>
internal static class Seccomp
{
    private const uint ProtWrite = 0x2;
    private const uint ProtExec = 0x4;
    private const uint MfdExec = 0x10;

    /// <summary>Every call of <paramref name="syscall"/> fails with <paramref name="errno"/>.</summary>
    public static SeccompFilter BlockSyscall(int syscall, int errno) =>
        new SeccompFilterBuilder().Add(syscall, SeccompAction.Errno(errno)).Build(SeccompAction.Allow);

    /// <summary>
    /// <c>mprotect</c> to read-execute (PROT_EXEC without PROT_WRITE) fails with <paramref name="errno"/>, as SELinux
    /// deny_execmem refuses it. Calls that keep PROT_WRITE pass, so a runtime started with W^X off (which commits
    /// its own code heap read-write-execute) keeps working while Kiln's seal is refused.
    /// </summary>
    public static SeccompFilter BlockMprotectToExecute(int errno) =>
        BlockWhenArgumentMatches(Syscalls.Mprotect, new ArgumentTest(2, ProtWrite | ProtExec, ProtExec), errno);

    /// <summary><c>memfd_create</c> with MFD_EXEC fails with EINVAL, as on kernels before 6.3 that do not know the flag.</summary>
    public static SeccompFilter BlockMemfdExecFlag() =>
        BlockWhenArgumentMatches(Syscalls.MemfdCreate, ArgumentTest.BitsSet(1, MfdExec), errno: 22);

    private static SeccompFilter BlockWhenArgumentMatches(int syscall, ArgumentTest test, int errno) =>
        new SeccompFilterBuilder().Add(syscall, [([test], SeccompAction.Errno(errno))], SeccompAction.Allow).Build(SeccompAction.Allow);
}
