using Kiln.Isolation.Seccomp;

namespace Kiln.Isolation.Tests.Seccomp;

/// <summary>
/// Runs a classic-BPF seccomp program over a <c>struct seccomp_data</c> the way the kernel does, for the instructions the
/// builder emits (load word, jeq, jge, and, ret), so a policy can be checked call by call without installing it.
/// </summary>
internal static class BpfInterpreter
{
    public static uint Run(IReadOnlyList<SockFilter> program, int nr, uint arch = SeccompFilterBuilder.AuditArchX8664, params ulong[] args)
    {
        Span<byte> data = stackalloc byte[64];
        BitConverter.TryWriteBytes(data[0..], nr);
        BitConverter.TryWriteBytes(data[4..], arch);
        for (int i = 0; i < args.Length; i++)
        {
            BitConverter.TryWriteBytes(data[(16 + 8 * i)..], args[i]);
        }
        uint accumulator = 0;
        for (int pc = 0; pc < program.Count; pc++)
        {
            SockFilter op = program[pc];
            switch (op.Code)
            {
                case SockFilter.LoadWord:
                    accumulator = BitConverter.ToUInt32(data[(int)op.K..]);
                    break;
                case SockFilter.And:
                    accumulator &= op.K;
                    break;
                case SockFilter.JumpIfEqual:
                    pc += accumulator == op.K ? op.JumpTrue : op.JumpFalse;
                    break;
                case SockFilter.JumpIfGreaterOrEqual:
                    pc += accumulator >= op.K ? op.JumpTrue : op.JumpFalse;
                    break;
                case SockFilter.Return:
                    return op.K;
                default:
                    throw new InvalidOperationException($"instruction {op} is not one the builder emits");
            }
        }
        throw new InvalidOperationException("the program ran off its end without returning");
    }
}
