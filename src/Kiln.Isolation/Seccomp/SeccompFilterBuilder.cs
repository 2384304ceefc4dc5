namespace Kiln.Isolation.Seccomp;

/// <summary>
/// Builds a seccomp-bpf program for x86-64 from rules per system call, so filters are written as policy and not as
/// hand-counted jump offsets. Every program starts by checking the architecture field of <c>struct seccomp_data</c>
/// (nr at 0, arch at 4, args at 16 + 8*i): a call made through another ABI (the i386 <c>int 0x80</c> entry, whose
/// numbers differ) or through the x32 ABI (numbers with bit 30 set) kills the process, because the rules below only
/// name x86-64 numbers and would otherwise be bypassed.
/// </summary>
/// <remarks>
/// Layout: the prologue leaves the system-call number in the accumulator; each rule is <c>jeq nr</c> over a body
/// that always returns, so a non-matching rule falls through with the number still loaded and no jump ever spans
/// more than one rule (classic BPF jumps are 8-bit). The last instruction returns the default action.
/// </remarks>
public sealed class SeccompFilterBuilder
{
    /// <summary>AUDIT_ARCH_X86_64 (EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).</summary>
    public const uint AuditArchX8664 = 0xC000003E;

    /// <summary>__X32_SYSCALL_BIT: x32 system calls are x86-64 numbers with this bit set.</summary>
    public const uint X32SyscallBit = 0x40000000;

    private const uint OffsetNr = 0;
    private const uint OffsetArch = 4;
    private const uint OffsetArgs = 16;

    private readonly List<SockFilter> _program = [];
    private readonly HashSet<int> _ruled = [];

    public SeccompFilterBuilder()
    {
        _program.Add(new(SockFilter.LoadWord, 0, 0, OffsetArch));
        _program.Add(new(SockFilter.JumpIfEqual, 1, 0, AuditArchX8664));
        _program.Add(new(SockFilter.Return, 0, 0, SeccompAction.KillProcess.Value));
        _program.Add(new(SockFilter.LoadWord, 0, 0, OffsetNr));
        _program.Add(new(SockFilter.JumpIfGreaterOrEqual, 0, 1, X32SyscallBit));
        _program.Add(new(SockFilter.Return, 0, 0, SeccompAction.KillProcess.Value));
    }

    /// <summary>The system calls that have a rule, in the order they were added.</summary>
    public IReadOnlyCollection<int> RuledSyscalls => _ruled;

    /// <summary>Every call of <paramref name="syscall"/> gets <paramref name="action"/>.</summary>
    public SeccompFilterBuilder Add(int syscall, SeccompAction action) => Add(syscall, [], action);

    /// <summary>Every call of <paramref name="syscall"/> is allowed.</summary>
    public SeccompFilterBuilder Allow(int syscall) => Add(syscall, SeccompAction.Allow);

    /// <summary>
    /// Calls of <paramref name="syscall"/> whose arguments pass every test of one case get that case's action (cases are
    /// tried in order); the others get <paramref name="otherwise"/>.
    /// </summary>
    public SeccompFilterBuilder Add(int syscall, IReadOnlyList<(ArgumentTest[] AllOf, SeccompAction Action)> cases, SeccompAction otherwise)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(syscall);
        if (!_ruled.Add(syscall))
        {
            throw new InvalidOperationException($"system call {syscall} already has a rule");
        }
        var body = new List<SockFilter>();
        foreach ((ArgumentTest[] tests, SeccompAction action) in cases)
        {
            EmitCase(body, tests, action);
        }
        body.Add(new(SockFilter.Return, 0, 0, otherwise.Value));
        if (body.Count > byte.MaxValue)
        {
            throw new InvalidOperationException($"the rule for system call {syscall} is too long for an 8-bit jump ({body.Count} instructions)");
        }
        _program.Add(new(SockFilter.JumpIfEqual, 0, (byte)body.Count, (uint)syscall));
        _program.AddRange(body);
        return this;
    }

    /// <summary>The program, ending with <paramref name="defaultAction"/> for every system call without a rule.</summary>
    public SeccompFilter Build(SeccompAction defaultAction)
    {
        var program = new List<SockFilter>(_program) { new(SockFilter.Return, 0, 0, defaultAction.Value) };
        // BPF_MAXINSNS: the kernel refuses longer classic programs.
        if (program.Count > 4096)
        {
            throw new InvalidOperationException($"the filter has {program.Count} instructions; the kernel accepts 4096");
        }
        return new SeccompFilter([.. program]);
    }

    /// <summary>One case: each word test jumps past the case's return when it fails, so the next case (or the rule's default) runs.</summary>
    private static void EmitCase(List<SockFilter> body, ArgumentTest[] tests, SeccompAction action)
    {
        var failJumps = new List<int>();
        foreach (ArgumentTest test in tests)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(test.Index);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(test.Index, 5);
            for (int half = 0; half < 2; half++)
            {
                uint mask = (uint)(test.Mask >> (32 * half));
                uint value = (uint)(test.Value >> (32 * half));
                if (mask == 0)
                {
                    continue;
                }
                if ((value & ~mask) != 0)
                {
                    throw new ArgumentException($"argument test {test} can never match: the value has bits outside the mask");
                }
                body.Add(new(SockFilter.LoadWord, 0, 0, OffsetArgs + (uint)(8 * test.Index + 4 * half)));
                if (mask != uint.MaxValue)
                {
                    body.Add(new(SockFilter.And, 0, 0, mask));
                }
                failJumps.Add(body.Count);
                body.Add(new(SockFilter.JumpIfEqual, 0, 0, value));
            }
        }
        body.Add(new(SockFilter.Return, 0, 0, action.Value));
        int end = body.Count;
        foreach (int at in failJumps)
        {
            int distance = end - at - 1;
            if (distance > byte.MaxValue)
            {
                throw new InvalidOperationException("an argument case is too long for an 8-bit jump");
            }
            SockFilter jump = body[at];
            body[at] = jump with { JumpFalse = (byte)distance };
        }
    }
}
