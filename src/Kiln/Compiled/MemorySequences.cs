using Kiln.Jit.X64;
using Kiln.Vm;

namespace Kiln.Compiled;

/// <summary>
/// Memory 0 sequences both compiling tiers emit: loading its base and length from vmctx, memory.size, and the explicit
/// bounds checks of an access (spec 4.4.7: the i32 index plus the offset is a 33-bit value, and the whole access must
/// lie below the current length). The callers choose the registers and decide when a guard page makes a check
/// unnecessary; the check itself is written once here.
/// </summary>
internal static class MemorySequences
{
    /// <summary>The current length of memory 0 in bytes, from its definition through vmctx, into <paramref name="dst"/>.</summary>
    public static void LoadLength(Assembler asm, Gpr dst)
    {
        asm.Mov(OperandSize.S64, dst, Mem.At(CompiledAbi.Vmctx, VmOffsets.MemoryDefinition));
        asm.Mov(OperandSize.S64, dst, Mem.At(dst, VmOffsets.MemoryDefinitionLength));
    }

    /// <summary>
    /// r14 = memory base and, for explicit checks (not under guard pages), r13 = its length: at entry and after every
    /// call, which may grow memory.
    /// </summary>
    public static void ReloadRegisters(Assembler asm, bool guardPages)
    {
        asm.Mov(OperandSize.S64, CompiledAbi.MemoryBase, Mem.At(CompiledAbi.Vmctx, VmOffsets.MemoryBase));
        if (!guardPages)
        {
            LoadLength(asm, CompiledAbi.MemoryLength);
        }
    }

    /// <summary>memory.size into <paramref name="dst"/>: the length in 64 KiB pages (r13 holds it without guard pages).</summary>
    public static void SizeInPages(Assembler asm, Gpr dst, bool guardPages)
    {
        if (guardPages)
        {
            LoadLength(asm, dst);
        }
        else
        {
            asm.Mov(OperandSize.S64, dst, CompiledAbi.MemoryLength);
        }
        asm.Shr(OperandSize.S64, dst, 16);
    }

    /// <summary>
    /// The explicit check of an access at a constant effective address <paramref name="ea"/> (index plus offset):
    /// jumps to <paramref name="outOfBounds"/> when some byte of the <paramref name="size"/> bytes lies at or past
    /// <paramref name="length"/>, and returns the operand. A sum past int.MaxValue goes through
    /// <paramref name="scratch"/>, and the address then through <paramref name="address"/>.
    /// </summary>
    public static Mem CheckedConstantAddress(Assembler asm, ulong ea, int size, Gpr length, Gpr scratch, Gpr address, Label outOfBounds)
    {
        // SECURITY: length < ea + size means some byte of the access is outside the memory.
        if (ea + (ulong)size <= int.MaxValue)
        {
            asm.Cmp(OperandSize.S64, length, (int)(ea + (ulong)size));
            asm.Jcc(Condition.Below, outOfBounds);
            return Mem.At(CompiledAbi.MemoryBase, (int)ea);
        }
        asm.MovImm(scratch, (long)(ea + (ulong)size));
        asm.Cmp(OperandSize.S64, scratch, length);
        asm.Jcc(Condition.Above, outOfBounds);
        asm.MovImm(address, (long)ea);
        return Mem.At(CompiledAbi.MemoryBase, address);
    }

    /// <summary>
    /// The explicit check of an access at <paramref name="index"/> (a zero-extended i32, so no 64-bit sum wraps) plus
    /// <paramref name="offset"/>: jumps to <paramref name="outOfBounds"/> when index + offset + size exceeds
    /// <paramref name="length"/>, and returns the operand. <paramref name="scratch"/> is clobbered; when the end does
    /// not fit a displacement the address is computed in it and moved to <paramref name="address"/> (no move when
    /// they are the same register).
    /// </summary>
    public static Mem CheckedIndexAddress(Assembler asm, Gpr index, uint offset, int size, Gpr length, Gpr scratch, Gpr address, Label outOfBounds)
    {
        ulong end = (ulong)offset + (ulong)size;
        if (end <= int.MaxValue)
        {
            asm.Lea(OperandSize.S64, scratch, Mem.At(index, (int)end));
            asm.Cmp(OperandSize.S64, scratch, length);
            asm.Jcc(Condition.Above, outOfBounds);
            return Mem.At(CompiledAbi.MemoryBase, index, 1, (int)offset);
        }
        asm.MovImm(scratch, (long)end);
        asm.Add(OperandSize.S64, scratch, index);
        asm.Cmp(OperandSize.S64, scratch, length);
        asm.Jcc(Condition.Above, outOfBounds);
        asm.Sub(OperandSize.S64, scratch, size);
        if (address != scratch)
        {
            asm.Mov(OperandSize.S64, address, scratch);
        }
        return Mem.At(CompiledAbi.MemoryBase, address);
    }
}
