using Kiln.Jit.X64;
using Kiln.Vm;

namespace Kiln.Compiled;

/// <summary>
/// The <c>call_indirect</c> sequence both compiling tiers emit (spec 4.4.8): the table bounds check ("undefined
/// element"), the load of the funcref, the null check ("uninitialized element"), the signature check against the
/// instance's row of ids (filled from the engine's registry at instantiation, so the code does not depend on which
/// engine compiled it), and the call with r15 = the funcref's vmctx. The pieces are separate so that a speculating
/// caller can compare the loaded entry with an expected funcref before it takes the generic path. The callers choose
/// the registers; the index is a zero-extended i32 in a register other than the funcref's and the scratch.
/// </summary>
internal static class CallSequences
{
    /// <summary>Bounds check of <paramref name="index"/> against table <paramref name="table"/>, then its entry (a <see cref="VmFuncRef"/> pointer, 0 for null) into <paramref name="funcRef"/>.</summary>
    public static void LoadTableEntry(Assembler asm, VmOffsets offsets, int table, Gpr index, Gpr funcRef, Label undefinedElement)
    {
        asm.Mov(OperandSize.S64, funcRef, Mem.At(CompiledAbi.Vmctx, offsets.Table(table)));
        asm.Cmp(OperandSize.S32, index, Mem.At(funcRef, VmOffsets.TableDefinitionLength));
        asm.Jcc(Condition.AboveOrEqual, undefinedElement);
        asm.Mov(OperandSize.S64, funcRef, Mem.At(funcRef, VmOffsets.TableDefinitionElements));
        asm.Mov(OperandSize.S64, funcRef, Mem.At(funcRef, index, 8));
    }

    /// <summary>The null check, then the funcref's signature id against the caller's id for <paramref name="typeIndex"/>.</summary>
    public static void CheckEntry(Assembler asm, VmOffsets offsets, int typeIndex, Gpr funcRef, Gpr scratch, Label uninitializedElement, Label typeMismatch)
    {
        asm.Test(OperandSize.S64, funcRef, funcRef);
        asm.Jcc(Condition.Zero, uninitializedElement);
        asm.Mov(OperandSize.S32, scratch, Mem.At(CompiledAbi.Vmctx, offsets.SignatureId(typeIndex)));
        asm.Cmp(OperandSize.S32, scratch, Mem.At(funcRef, VmOffsets.FuncRefTypeId));
        asm.Jcc(Condition.NotEqual, typeMismatch);
    }

    /// <summary>The call through a checked funcref: r15 = its vmctx, then <c>call [funcref]</c>. The arguments are in place.</summary>
    public static void CallEntry(Assembler asm, Gpr funcRef)
    {
        asm.Mov(OperandSize.S64, CompiledAbi.Vmctx, Mem.At(funcRef, VmOffsets.FuncRefVmctx));
        asm.Call(Mem.At(funcRef, VmOffsets.FuncRefCode));
    }
}
