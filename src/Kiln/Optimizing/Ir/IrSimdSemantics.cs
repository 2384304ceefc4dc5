using Kiln.Interpreter;
using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Ir;

/// <summary>
/// The SIMD instructions' semantics, taken from the interpreter: one instruction is encoded as the interpreter's
/// translator encodes it (<c>op [d] operands... immediates...</c>) over a scratch frame and run by
/// <see cref="Executor.ExecuteSimdInstruction"/>, so the IR evaluator and the constant folder compute bit for bit
/// what the interpreter computes, NaN payloads included.
/// </summary>
internal static unsafe class IrSimdSemantics
{
    /// <summary>
    /// Evaluates SIMD sub-opcode <paramref name="sub"/> on <paramref name="operands"/> (scalars in the low bits).
    /// <paramref name="offset"/> is the memarg offset, <paramref name="lane"/> the lane immediate, <paramref name="pattern"/>
    /// i8x16.shuffle's lanes; the result (zero for a store) has the bits of the result type and nothing above.
    /// </summary>
    /// <exception cref="TrapException">A memory access is out of bounds.</exception>
    public static UInt128 Evaluate(int sub, ReadOnlySpan<UInt128> operands, long offset, int lane, UInt128 pattern, byte* mem, ulong memLen)
    {
        OpcodeInfo info = SimdInfo.TryGet(sub) ?? throw new InvalidOperationException($"SIMD sub-opcode 0x{sub:x2} does not exist");
        ulong* slots = stackalloc ulong[8];
        int* code = stackalloc int[12];
        new Span<ulong>(slots, 8).Clear();
        int n = 0;
        code[n++] = (int)InterpOp.Simd + sub;
        bool hasResult = info.Results.Length == 1;
        if (hasResult)
        {
            code[n++] = 0;
        }
        for (int i = 0; i < operands.Length; i++)
        {
            int slot = 2 + 2 * i;
            slots[slot] = (ulong)operands[i];
            slots[slot + 1] = (ulong)(operands[i] >> 64);
            code[n++] = slot;
        }
        switch (info.Immediate)
        {
            case ImmediateKind.MemArg:
                code[n++] = (int)(uint)offset;
                break;
            case ImmediateKind.MemArgLane:
                code[n++] = (int)(uint)offset;
                code[n++] = lane;
                break;
            case ImmediateKind.Lane:
                code[n++] = lane;
                break;
            case ImmediateKind.Shuffle:
            case ImmediateKind.V128:
                for (int i = 0; i < 4; i++)
                {
                    code[n++] = (int)(uint)(pattern >> (32 * i));
                }
                break;
        }
        Executor.ExecuteSimdInstruction(code, slots, mem, memLen);
        if (!hasResult)
        {
            return 0;
        }
        return info.Results[0] switch
        {
            ValType.V128 => new UInt128(slots[1], slots[0]),
            ValType.I32 or ValType.F32 => (uint)slots[0],
            _ => slots[0],
        };
    }
}
