using Kiln.Compiled;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Model;

namespace Kiln.Baseline;

/// <summary>
/// Calls. A call to a compiled function of the same module goes through the module's code table (r15 stays, the
/// callee is in the same instance); imported and interpreted callees through their function slot, call_indirect
/// through a funcref. The arguments are stored to the outgoing area at [rsp], r15 is the callee's vmctx, and the
/// results come back in the same area. Runtime helpers are ordinary SysV calls, through the helper table, to
/// [UnmanagedCallersOnly] C# methods that never throw; a trap comes back as a status. Nothing engine-specific
/// (helper addresses, signature ids) is baked into the code: both are read through vmctx.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    private enum HelperResult : byte
    {
        None,
        /// <summary>eax is -1 on success, else a <see cref="TrapCode"/>.</summary>
        Status,
        I32,
    }

    private static readonly Gpr[] s_argRegs = [Gpr.Rdi, Gpr.Rsi, Gpr.Rdx, Gpr.Rcx, Gpr.R8, Gpr.R9];

    /// <summary>Per defined function: true when it runs on the interpreter (reached through its slot); null when none does.</summary>
    public bool[]? Interpreted { get; init; }

    /// <summary>Stores the arguments (the top values) to the outgoing area at [rsp] as <see cref="SlotLayout"/> lays out a row, pops them and spills everything else.</summary>
    private void PrepareCall(FuncType type)
    {
        if (_condPending)
        {
            MaterializeCondition();
        }
        int count = type.Params.Length;
        _maxOutgoing = Math.Max(_maxOutgoing, SlotLayout.CallAreaSlots(type));
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            int pos = _height - count + i;
            StoreValue(Mem.At(Gpr.Rsp, 8 * at), in _stack[pos], pos, s_scratch);
            at += SlotLayout.SlotCount(_stack[pos].Type);
        }
        for (int i = 0; i < count; i++)
        {
            Drop();
        }
        SpillRange(0, _height);
        SavePinnedLocals();
    }

    /// <summary>Restores vmctx (the memory registers and pinned locals are reloaded when next needed), then pushes the results from the outgoing area.</summary>
    private void FinishCall(ValType[] results)
    {
        _asm.Mov(OperandSize.S64, s_vmctx, Mem.At(Gpr.Rbp, SavedVmctxOffset));
        _memoryRegistersStale = _hasMemory;
        RestorePinnedLocals(sysVCallee: false);
        if (results.Length == 1)
        {
            ValType t = results[0];
            if (IsXmm(t))
            {
                Xmm x = AllocXmm();
                LoadXmmFrom(x, t, Mem.At(Gpr.Rsp));
                PushReg(t, x.Index);
            }
            else
            {
                Gpr r = AllocGpr();
                _asm.Mov(SizeOf(t), r, Mem.At(Gpr.Rsp));
                PushReg(t, r.Index);
            }
            return;
        }
        int at = 0;
        for (int i = 0; i < results.Length; i++)
        {
            for (int half = 0; half < SlotLayout.SlotCount(results[i]); half++)
            {
                _asm.Mov(OperandSize.S64, s_scratch, Mem.At(Gpr.Rsp, 8 * at));
                _asm.Mov(OperandSize.S64, SlotMem(_height).Offset(8 * half), s_scratch);
                at++;
            }
            PushStack(results[i]);
        }
    }

    private void CallDirect(uint function)
    {
        FuncType type = _functionTypes[function];
        PrepareCall(type);
        int defined = (int)function - _importedFunctions;
        if (defined >= 0 && Interpreted?[defined] != true)
        {
            // Same instance, so r15 stays: the module's code table holds the entry every instance shares (one store
            // there installs new code for all of them).
            _asm.Mov(OperandSize.S64, s_scratch, Mem.At(s_vmctx, VmOffsets.CodeTable));
            _asm.Call(Mem.At(s_scratch, 8 * defined));
        }
        else
        {
            int slot = _offsets.FunctionSlot((int)function);
            _asm.Mov(OperandSize.S64, s_scratch, s_vmctx);
            _asm.Mov(OperandSize.S64, s_vmctx, Mem.At(s_scratch, slot + VmOffsets.FunctionSlotVmctx));
            _asm.Call(Mem.At(s_scratch, slot + VmOffsets.FunctionSlotCode));
        }
        FinishCall(type.Results.ReadOnlyArray());
    }

    /// <summary>
    /// Spec 4.4.8 call_indirect: bounds ("undefined element"), null ("uninitialized element"), then the signature id,
    /// read from the instance's row of ids (filled from the engine's registry at instantiation), so the code does not
    /// depend on which engine compiled it.
    /// </summary>
    private void CallIndirect(uint typeIndex, uint table, int bytecodeOffset)
    {
        FuncType type = _module.Types[(int)typeIndex];
        Gpr index = PopGpr();
        PrepareCall(type);
        CallSequences.LoadTableEntry(_asm, _offsets, (int)table, index, s_scratch, TrapLabel(TrapCode.UndefinedElement));
        FreeGpr(index);
        CallSequences.CheckEntry(_asm, _offsets, (int)typeIndex, s_scratch, s_scratch2,
            TrapLabel(TrapCode.UninitializedElement), TrapLabel(TrapCode.IndirectCallTypeMismatch));
        RecordCallTarget(bytecodeOffset);
        CallSequences.CallEntry(_asm, s_scratch);
        FinishCall(type.Results.ReadOnlyArray());
    }

    /// <summary>
    /// <see cref="Tier.Auto"/>: the call_indirect profile (<see cref="Compiled.CallSiteProfiles"/>). The funcref about to be
    /// called (rax) is compared with the site's entry, reached through the code table; only a different one leaves
    /// the straight path, for a stub after the body that records the first target or marks the site megamorphic.
    /// A monomorphic site costs a load, a compare and a branch not taken per call.
    /// </summary>
    public CallSiteProfiles? CallSiteProfiles { get; init; }

    private readonly List<(Label Stub, Label Back, int Entry)> _profileStubs = [];

    private void RecordCallTarget(int bytecodeOffset)
    {
        int entry = CallSiteProfiles?.EntryOffset(_definedIndex, bytecodeOffset) ?? -1;
        if (entry < 0)
        {
            return;
        }
        Label stub = _asm.CreateLabel();
        Label back = _asm.CreateLabel();
        _asm.Mov(OperandSize.S64, s_scratch2, Mem.At(s_vmctx, VmOffsets.CodeTable));
        _asm.Cmp(OperandSize.S64, Mem.At(s_scratch2, entry), s_scratch);
        _asm.Jcc(Condition.NotEqual, stub);
        _asm.Bind(back);
        _profileStubs.Add((stub, back, entry));
    }

    /// <summary>After the body: per profiled site, the first target is stored; any other one makes the site megamorphic for good.</summary>
    private void EmitProfileStubs()
    {
        foreach ((Label stub, Label back, int entry) in _profileStubs)
        {
            Label other = _asm.CreateLabel();
            _asm.Bind(stub);
            _asm.Cmp(OperandSize.S64, Mem.At(s_scratch2, entry), 0);
            _asm.Jcc(Condition.NotEqual, other, JumpDistance.Short);
            _asm.Mov(OperandSize.S64, Mem.At(s_scratch2, entry), s_scratch);
            _asm.Jmp(back);
            _asm.Bind(other);
            _asm.Mov(OperandSize.S64, Mem.At(s_scratch2, entry), (int)CallSiteProfiles.Megamorphic);
            _asm.Jmp(back);
        }
        _profileStubs.Clear();
    }

    /// <summary>
    /// Calls a C# helper: rdi = vmctx, then <paramref name="immediateCount"/> immediates, then the top
    /// <paramref name="valueCount"/> operands in stack order. Everything is spilled first (SysV
    /// clobbers all our value registers), so operands load from slots or constants without conflicts.
    /// </summary>
    private void CallHelper(RuntimeHelper function, int immediateCount, uint imm0, uint imm1, int valueCount, HelperResult result)
    {
        if (_condPending)
        {
            MaterializeCondition();
        }
        SpillRange(0, _height);
        // Argument registers may hold pinned locals: write them back first and read them from their slots.
        SavePinnedLocals();
        _asm.Mov(OperandSize.S64, Gpr.Rdi, s_vmctx);
        int arg = 1;
        if (immediateCount > 0)
        {
            _asm.MovImm(s_argRegs[arg++], imm0);
        }
        if (immediateCount > 1)
        {
            _asm.MovImm(s_argRegs[arg++], imm1);
        }
        for (int i = 0; i < valueCount; i++)
        {
            int pos = _height - valueCount + i;
            ref Val v = ref _stack[pos];
            if (IsPinned(in v))
            {
                _asm.Mov(SizeOf(v.Type), s_argRegs[arg++], LocalMem((int)v.Bits));
            }
            else
            {
                LoadGpr(s_argRegs[arg++], in v, pos);
            }
        }
        for (int i = 0; i < valueCount; i++)
        {
            Drop();
        }
        EmitHelperCall(function);
        switch (result)
        {
            case HelperResult.Status:
                _asm.Cmp(OperandSize.S32, Gpr.Rax, -1);
                _asm.Jcc(Condition.NotEqual, _traps.Status);
                break;
            case HelperResult.I32:
            {
                Gpr r = AllocGpr();
                _asm.Mov(OperandSize.S32, r, Gpr.Rax);
                PushReg(ValType.I32, r.Index);
                break;
            }
        }
    }

    /// <summary>The call itself (through the helper table); the arguments are in place and the pinned locals written back (<see cref="SavePinnedLocals"/>).</summary>
    private void EmitHelperCall(RuntimeHelper function)
    {
        CompiledAbi.EmitHelperCall(_asm, function);
        // SysV preserves r13-r15, but a helper may have grown the memory.
        _memoryRegistersStale = _hasMemory;
        RestorePinnedLocals(sysVCallee: true);
    }

    /// <summary>Float-to-int truncation through a helper: rdi = the value as f64 bits, rsi = the opcode, rdx = &amp;status.</summary>
    private void TruncateToInt(Opcode op)
    {
        bool fromF32 = op is Opcode.I32TruncF32S or Opcode.I32TruncF32U or Opcode.I64TruncF32S or Opcode.I64TruncF32U
            or Opcode.I32TruncSatF32S or Opcode.I32TruncSatF32U or Opcode.I64TruncSatF32S or Opcode.I64TruncSatF32U;
        bool toI32 = op is Opcode.I32TruncF32S or Opcode.I32TruncF32U or Opcode.I32TruncF64S or Opcode.I32TruncF64U
            or Opcode.I32TruncSatF32S or Opcode.I32TruncSatF32U or Opcode.I32TruncSatF64S or Opcode.I32TruncSatF64U;
        bool saturating = (ushort)op >= 0xFC00;
        Xmm x = PopXmm();
        // Widening f32 to f64 is exact, so one helper serves both source types.
        if (fromF32)
        {
            _asm.Cvtss2sd(Xmm.Xmm0, x);
        }
        else
        {
            _asm.Movaps(Xmm.Xmm0, x);
        }
        FreeXmm(x);
        SpillRange(0, _height);
        SavePinnedLocals();
        FloatSequences.TruncateArguments(_asm, (int)op);
        EmitHelperCall(RuntimeHelper.Truncate);
        if (!saturating)
        {
            FloatSequences.TruncateStatusCheck(_asm, s_scratch2, _traps.Status);
        }
        Gpr r = AllocGpr();
        _asm.Mov(toI32 ? OperandSize.S32 : OperandSize.S64, r, Gpr.Rax);
        PushReg(toI32 ? ValType.I32 : ValType.I64, r.Index);
    }

    /// <summary>ceil/floor/trunc/nearest without SSE4.1: a helper on the f64 bits (kind 0-3).</summary>
    private void CallFloatHelper(bool f64, int kind)
    {
        Xmm x = PopXmm();
        if (f64)
        {
            _asm.Movaps(Xmm.Xmm0, x);
        }
        else
        {
            _asm.Cvtss2sd(Xmm.Xmm0, x);
        }
        FreeXmm(x);
        SpillRange(0, _height);
        SavePinnedLocals();
        _asm.Movq(Gpr.Rdi, Xmm.Xmm0);
        _asm.Mov(OperandSize.S32, Gpr.Rsi, kind + (f64 ? 4 : 0));
        EmitHelperCall(RuntimeHelper.Round);
        Xmm r = AllocXmm();
        _asm.Movq(r, Gpr.Rax);
        if (!f64)
        {
            _asm.Cvtsd2ss(r, r);
        }
        PushReg(f64 ? ValType.F64 : ValType.F32, r.Index);
    }
}
