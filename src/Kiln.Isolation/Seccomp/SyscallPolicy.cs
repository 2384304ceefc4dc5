using static Kiln.Isolation.Seccomp.Syscalls;

namespace Kiln.Isolation.Seccomp;

/// <summary>
/// The system calls a Kiln process (the .NET runtime, Kiln's compilers and code memory, WASI) makes after start-up,
/// and the filter that allows only those. The list was measured: <c>strace -f</c> of <c>kiln run --isolate=audit</c>
/// over the examples and WASI programs doing file I/O in a preopen, keeping the calls made after the filter was
/// installed (scripts/measure-isolation-syscalls.sh; docs/ARCHITECTURE.md, Isolation, has the method and the numbers).
/// Calls the runtime makes only in rarer paths (a GC under memory pressure, thread creation, a lazily loaded assembly)
/// were added by reading what those paths do (docs/ARCHITECTURE.md, Isolation, names them).
/// </summary>
/// <remarks>
/// SECURITY: seccomp sees numbers and register values, never the strings behind pointers, so it cannot confine paths.
/// Path confinement comes from WASI's preopens (every guest path is resolved under a directory descriptor) and, where
/// a mount namespace was created, <see cref="FileSystemConfinement"/>'s minimal root. What the filter can do with
/// arguments it does: opening for writing, creating, renaming or removing through the current directory (AT_FDCWD,
/// the way an absolute host path is reached) is refused while WASI's calls, which always name a preopened descriptor,
/// pass; <c>clone</c> may create threads but not
/// processes; signals may go to this process only; <c>prlimit64</c> may read limits but not set them.
/// </remarks>
public static class SyscallPolicy
{
    private const int AtFdcwd = -100;

    // open(2) flags (asm-generic/fcntl.h).
    private const uint OWronly = 0x1;
    private const uint ORdwr = 0x2;
    private const uint OCreat = 0x40;
    private const uint OTrunc = 0x200;
    private const uint OAppend = 0x400;

    private const uint CloneThread = 0x00010000;

    // prctl options the runtime uses on its own threads: PR_SET_NAME, PR_GET_NAME.
    private const int PrSetName = 15;
    private const int PrGetName = 16;

    /// <summary>Allowed without conditions: memory, threads, synchronisation, signals to oneself, time, and I/O on descriptors already open.</summary>
    public static IReadOnlyList<int> Unconditional { get; } =
    [
        // Memory. mmap/mprotect with PROT_EXEC stay allowed: the .NET runtime JIT-compiles methods for the whole life
        // of the process (tiered compilation, methods first reached late) and Kiln's tiering installs code too.
        Mmap, Munmap, Mprotect, Mremap, Madvise, Brk, Mincore, Msync, Membarrier, GetMempolicy, MemfdCreate, Ftruncate,
        // Threads and synchronisation (clone is conditional, below).
        Futex, SetRobustList, GetRobustList, Rseq, SetTidAddress, Gettid, Exit, ExitGroup, SchedYield, SchedGetaffinity,
        SchedGetparam, SchedGetscheduler, SchedGetPriorityMax, SchedGetPriorityMin, Getcpu, RestartSyscall,
        // Signals: handlers, masks, alternate stacks (kill and tgkill are conditional, below).
        RtSigaction, RtSigprocmask, RtSigreturn, Sigaltstack,
        // Time.
        ClockGettime, ClockGetres, ClockNanosleep, Nanosleep, Gettimeofday,
        // I/O on open descriptors (WASI's fd_* calls and the console).
        Read, Write, Readv, Writev, Pread64, Pwrite64, Preadv, Pwritev, Preadv2, Pwritev2, Lseek, Close, Dup, Dup3, Fcntl,
        Fstat, Fstatfs, Getdents64, Fsync, Fdatasync, Fallocate, Fadvise64, Flock, Fchmod, Poll, Ppoll, EpollCreate1,
        EpollCtl, EpollWait, EpollPwait, Eventfd2, Pipe2,
        // Reading metadata by path: the runtime probes its own files when it loads an assembly late.
        Newfstatat, Statx, Stat, Lstat, Access, Faccessat, Faccessat2, Readlink, Readlinkat, Statfs,
        // WASI's *at calls name a preopened descriptor, never AT_FDCWD (they are conditional, below, for AT_FDCWD).
        // Process identity and information.
        Getpid, Getppid, Getuid, Geteuid, Getgid, Getegid, Uname, Getcwd, Sysinfo, Getrusage, Getrandom,
    ];

    /// <summary>Denied outright whatever the default action: the calls a compromised process would reach for first.</summary>
    public static IReadOnlyList<int> NamedDenials { get; } =
    [
        Execve, Execveat, Fork, Vfork, Ptrace, ProcessVmReadv, ProcessVmWritev, Socket, Socketpair, Connect, Bind, Listen,
        Accept, Accept4, Mount, Umount2, Chroot, Unshare, Setns, Bpf, PerfEventOpen, Userfaultfd, IoUringSetup, Open, Creat,
        Syscalls.Seccomp, Setrlimit, Personality, Tkill, PidfdOpen,
    ];

    /// <summary>
    /// The filter for a process whose id (as it sees itself, inside its pid namespace) is <paramref name="ownPid"/>;
    /// <paramref name="denied"/> is what every call outside the policy gets.
    /// </summary>
    public static SeccompFilter Build(int ownPid, SeccompAction denied)
    {
        var builder = new SeccompFilterBuilder();
        foreach (int call in Unconditional)
        {
            builder.Allow(call);
        }
        // clone creates threads (CLONE_THREAD) for the runtime; a new process would escape the filter's accounting and
        // could exec. clone3 passes its flags in memory, out of the filter's sight: ENOSYS makes glibc fall back to clone.
        builder.Add(Clone, [([ArgumentTest.BitsSet(0, CloneThread)], SeccompAction.Allow)], denied);
        builder.Add(Clone3, SeccompAction.Errno(38 /* ENOSYS */));
        // Signals only to this process: the runtime suspends its threads for the GC with tgkill, and abort() raises.
        builder.Add(Tgkill, [([ArgumentTest.IntEquals(0, ownPid)], SeccompAction.Allow)], denied);
        builder.Add(Kill, [([ArgumentTest.IntEquals(0, ownPid)], SeccompAction.Allow)], denied);
        // Reading limits (glibc's getrlimit and pthread_create call prlimit64 with no new limit); setting them is refused.
        builder.Add(Prlimit64, [([ArgumentTest.IsZero(2)], SeccompAction.Allow)], denied);
        // The runtime sets its new threads' affinity (pid 0: the calling thread) and scheduling policy (by thread id, which
        // the filter cannot tell from another process's id: SCHED_OTHER only, so no process can be given real-time priority).
        builder.Add(SchedSetaffinity, [([ArgumentTest.IntEquals(0, 0)], SeccompAction.Allow)], denied);
        builder.Add(SchedSetscheduler, [([ArgumentTest.IntEquals(1, 0 /* SCHED_OTHER */)], SeccompAction.Allow)], denied);
        builder.Add(Prctl, [([ArgumentTest.IntEquals(0, PrSetName)], SeccompAction.Allow), ([ArgumentTest.IntEquals(0, PrGetName)], SeccompAction.Allow)], denied);
        // ioctl: terminal queries by the console (TCGETS, TIOCGWINSZ) and FIONREAD; not TIOCSTI, which pushes input into
        // the terminal the parent reads from.
        builder.Add(Ioctl,
        [
            ([ArgumentTest.IntEquals(1, 0x5401 /* TCGETS */)], SeccompAction.Allow),
            ([ArgumentTest.IntEquals(1, 0x5402 /* TCSETS */)], SeccompAction.Allow),
            ([ArgumentTest.IntEquals(1, 0x5413 /* TIOCGWINSZ */)], SeccompAction.Allow),
            ([ArgumentTest.IntEquals(1, 0x541B /* FIONREAD */)], SeccompAction.Allow),
        ], denied);
        // openat: anything through a directory descriptor (WASI); through AT_FDCWD (absolute and cwd-relative paths) read-only
        // opens only, which the runtime needs to load assemblies and read /proc late. Writing or creating there is refused.
        builder.Add(Openat,
        [
            ([ArgumentTest.IntEquals(0, AtFdcwd), ArgumentTest.BitsClear(2, OWronly | ORdwr | OCreat | OTrunc | OAppend)], SeccompAction.Allow),
            ([ArgumentTest.IntEquals(0, AtFdcwd)], denied),
        ], SeccompAction.Allow);
        // The *at calls that change the file system: through a directory descriptor only.
        AddDirectoryOnly(builder, Mkdirat, [0], denied);
        AddDirectoryOnly(builder, Unlinkat, [0], denied);
        AddDirectoryOnly(builder, Renameat, [0, 2], denied);
        AddDirectoryOnly(builder, Renameat2, [0, 2], denied);
        AddDirectoryOnly(builder, Linkat, [0, 2], denied);
        AddDirectoryOnly(builder, Symlinkat, [1], denied);
        AddDirectoryOnly(builder, Fchmodat, [0], denied);
        AddDirectoryOnly(builder, Fchownat, [0], denied);
        AddDirectoryOnly(builder, Utimensat, [0], denied);
        AddDirectoryOnly(builder, Mknodat, [0], denied);
        foreach (int call in NamedDenials)
        {
            builder.Add(call, denied);
        }
        return builder.Build(denied);
    }

    /// <summary>The call is allowed unless one of its directory arguments is AT_FDCWD.</summary>
    private static void AddDirectoryOnly(SeccompFilterBuilder builder, int call, int[] directoryArguments, SeccompAction denied) =>
        builder.Add(call, [.. directoryArguments.Select(a => (new[] { ArgumentTest.IntEquals(a, AtFdcwd) }, denied))], SeccompAction.Allow);
}
