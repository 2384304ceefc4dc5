using Kiln.Isolation.Seccomp;

namespace Kiln.Isolation.Tests.Seccomp;

/// <summary>The isolation policy's filter, evaluated call by call with <see cref="BpfInterpreter"/>.</summary>
public class SyscallPolicyTests
{
    private const int OwnPid = 4242;
    private static readonly uint s_allow = SeccompAction.Allow.Value;
    private static readonly uint s_eperm = SeccompAction.Errno(1).Value;
    private static readonly uint s_kill = SeccompAction.KillProcess.Value;
    private static readonly SeccompFilter s_filter = SyscallPolicy.Build(OwnPid, SeccompAction.Errno(1));

    private static uint Verdict(int nr, params ulong[] args) => BpfInterpreter.Run(s_filter.Program, nr, SeccompFilterBuilder.AuditArchX8664, args);

    [Fact]
    public void EveryUnconditionalCallIsAllowed()
    {
        foreach (int call in SyscallPolicy.Unconditional)
        {
            Assert.True(Verdict(call) == s_allow, $"{Syscalls.Name(call)} is not allowed");
        }
    }

    [Theory]
    [InlineData(Syscalls.Execve)]
    [InlineData(Syscalls.Execveat)]
    [InlineData(Syscalls.Fork)]
    [InlineData(Syscalls.Vfork)]
    [InlineData(Syscalls.Socket)]
    [InlineData(Syscalls.Connect)]
    [InlineData(Syscalls.Ptrace)]
    [InlineData(Syscalls.Mount)]
    [InlineData(Syscalls.Unshare)]
    [InlineData(Syscalls.Setrlimit)]
    [InlineData(Syscalls.Open)]
    [InlineData(Syscalls.Bpf)]
    [InlineData(Syscalls.IoUringSetup)]
    [InlineData(999)]
    public void DeniedCallsGetEperm(int call) => Assert.Equal(s_eperm, Verdict(call));

    [Fact]
    public void ArchitectureAndX32AreCheckedFirst()
    {
        // i386 (AUDIT_ARCH_I386) numbers mean other calls: 11 is execve there and munmap here.
        Assert.Equal(s_kill, BpfInterpreter.Run(s_filter.Program, 11, 0x40000003));
        Assert.Equal(s_kill, BpfInterpreter.Run(s_filter.Program, 0x40000000 | Syscalls.Read));
        Assert.Equal(s_allow, Verdict(Syscalls.Read));
    }

    [Fact]
    public void CloneMayCreateThreadsButNotProcesses()
    {
        const ulong threadFlags = 0x3D0F00; // glibc pthread_create: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
        Assert.Equal(s_allow, Verdict(Syscalls.Clone, threadFlags));
        Assert.Equal(s_eperm, Verdict(Syscalls.Clone, 17 /* SIGCHLD: fork */));
        Assert.Equal(SeccompAction.Errno(38).Value, Verdict(Syscalls.Clone3));
    }

    [Fact]
    public void OpenatThroughTheCurrentDirectoryIsReadOnly()
    {
        ulong atFdcwd = unchecked((ulong)-100L);
        Assert.Equal(s_allow, Verdict(Syscalls.Openat, atFdcwd, 0, 0x80000 /* O_RDONLY|O_CLOEXEC */));
        Assert.Equal(s_eperm, Verdict(Syscalls.Openat, atFdcwd, 0, 0x41 /* O_WRONLY|O_CREAT */));
        Assert.Equal(s_eperm, Verdict(Syscalls.Openat, atFdcwd, 0, 0x2 /* O_RDWR */));
        // The kernel reads dirfd as an int: only the low word decides.
        Assert.Equal(s_eperm, Verdict(Syscalls.Openat, 0xFFFF_FF9C, 0, 0x241));
        // WASI opens through a preopened directory descriptor, for writing too.
        Assert.Equal(s_allow, Verdict(Syscalls.Openat, 5, 0, 0x241 /* O_WRONLY|O_CREAT|O_TRUNC */));
        Assert.Equal(s_allow, Verdict(Syscalls.Unlinkat, 5, 0, 0));
        Assert.Equal(s_eperm, Verdict(Syscalls.Unlinkat, atFdcwd, 0, 0));
        Assert.Equal(s_eperm, Verdict(Syscalls.Renameat, 5, 0, atFdcwd, 0));
        Assert.Equal(s_allow, Verdict(Syscalls.Renameat, 5, 0, 6, 0));
    }

    [Fact]
    public void SignalsGoToThisProcessOnly()
    {
        Assert.Equal(s_allow, Verdict(Syscalls.Tgkill, OwnPid, 17, 10));
        Assert.Equal(s_eperm, Verdict(Syscalls.Tgkill, 1, 1, 9));
        Assert.Equal(s_allow, Verdict(Syscalls.Kill, OwnPid, 6));
        Assert.Equal(s_eperm, Verdict(Syscalls.Kill, 1, 9));
        Assert.Equal(s_eperm, Verdict(Syscalls.Kill, unchecked((ulong)-1L), 9));
        Assert.Equal(s_eperm, Verdict(Syscalls.Tkill, 7, 9));
    }

    [Fact]
    public void LimitsCanBeReadButNotSet()
    {
        Assert.Equal(s_allow, Verdict(Syscalls.Prlimit64, 0, 7, 0, 0x7fff0000));
        Assert.Equal(s_eperm, Verdict(Syscalls.Prlimit64, 0, 7, 0x7fff0000, 0));
        // A pointer with only its high word set is still a pointer.
        Assert.Equal(s_eperm, Verdict(Syscalls.Prlimit64, 0, 7, 0x7f00_0000_0000, 0));
    }

    [Fact]
    public void IoctlAllowsTerminalQueriesButNotTiocsti()
    {
        Assert.Equal(s_allow, Verdict(Syscalls.Ioctl, 1, 0x5401 /* TCGETS */));
        Assert.Equal(s_eperm, Verdict(Syscalls.Ioctl, 0, 0x5412 /* TIOCSTI */));
    }

    [Fact]
    public void KillModeAndAuditModeChangeOnlyTheDeniedAnswer()
    {
        SeccompFilter kill = SyscallPolicy.Build(OwnPid, SeccompAction.KillProcess);
        Assert.Equal(s_kill, BpfInterpreter.Run(kill.Program, Syscalls.Execve));
        Assert.Equal(s_allow, BpfInterpreter.Run(kill.Program, Syscalls.Read));
        SeccompFilter audit = SyscallPolicy.Build(OwnPid, SeccompAction.Log);
        Assert.Equal(SeccompAction.Log.Value, BpfInterpreter.Run(audit.Program, Syscalls.Execve));
    }

    [Fact]
    public void TheBuilderRefusesASecondRuleForOneCall() =>
        Assert.Throws<InvalidOperationException>(() => new SeccompFilterBuilder().Allow(Syscalls.Read).Allow(Syscalls.Read));

    [Fact]
    public void PolicyRoundTripsThroughTheEnvironmentForm()
    {
        var policy = new IsolationPolicy { CpuSeconds = 3, AddressSpaceBytes = 1 << 30, OpenFiles = 16, FileSizeBytes = 4096, OnDenied = DeniedSyscallAction.KillProcess };
        IsolationPolicy back = IsolationPolicy.Parse(policy.Serialize());
        Assert.Equal(policy.CpuSeconds, back.CpuSeconds);
        Assert.Equal(policy.AddressSpaceBytes, back.AddressSpaceBytes);
        Assert.Equal(policy.OpenFiles, back.OpenFiles);
        Assert.Equal(policy.FileSizeBytes, back.FileSizeBytes);
        Assert.Equal(policy.OnDenied, back.OnDenied);
        Assert.Throws<FormatException>(() => IsolationPolicy.Parse("deny=maybe"));
    }
}
