using System.Runtime.CompilerServices;
using Kiln.FrontEnd;
using Kiln.Jit.X64;
using Kiln.Vm;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Control = Kiln.FrontEnd.ControlFrame<Kiln.Baseline.BaselineCompiler.Frame>;

namespace Kiln.Baseline;

/// <summary>
/// Blocks, loops, ifs and branches. The merge rule: on entry to a block every register value below
/// the block's parameters is spilled (constants stay: they are the same on every path), so values
/// below a block never change inside it; a branch moves only the target's merge values into the
/// target's slots (or the function's result area); after a join the merge values are in their slots.
/// </summary>
internal sealed unsafe partial class BaselineCompiler
{
    // The front end: decoding, the control stack with this tier's frame data, dead-code skipping, the immediate checks.
    private readonly BodyDecoder<Frame> _decoder;
    private readonly ControlStack<Frame> _controls;
    private Label[] _brByDepth = new Label[16];

    /// <summary>What the baseline keeps per control frame (<see cref="ControlFrame{TTierData}.Data"/>).</summary>
    internal struct Frame
    {
        /// <summary>End label, or the header of a loop.</summary>
        public Label Label;
        public Label ElseLabel;
        /// <summary>A branch to the end label was emitted: the end is a join.</summary>
        public bool Reached;
        /// <summary>Pinned locals changed on some branch to the end label (bits as in _pinnedDirty).</summary>
        public uint Dirty;
        /// <summary>If: the pinned locals changed when the else label's only edge (the if's entry) left.</summary>
        public uint ElseDirty;
    }

    /// <summary>After br, br_table, return or unreachable (the front end marks the rest of the frame unreachable): no compare is pending.</summary>
    private void LeaveReachableCode() => _condPending = false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EnterBlock(in Instruction ins)
    {
        _spaces.BlockTypes(ins.BlockType, out ValType[] parameters, out ValType[] results);
        switch (ins.Opcode)
        {
            case Opcode.Block:
            {
                SpillRange(0, _height - parameters.Length, locals: true);
                _controls.Push(FrameKind.Block, _height, parameters, results).Data.Label = _asm.CreateLabel();
                return;
            }
            case Opcode.Loop:
            {
                int @base = _height - parameters.Length;
                SpillRange(0, @base, locals: true);
                MaterializeRange(@base, _height);
                LoadForJoin();
                uint dirty = LoopHeaderDirty(ins.Offset);
                EmitHotnessCount(_definedIndex, LoopEntryWeight);
                Label header = _asm.CreateLabel();
                _asm.Bind(header);
                AtLabel(dirty);
                EmitLoopHeaderChecks(ins.Offset);
                _controls.Push(FrameKind.Loop, _height, parameters, results).Data.Label = header;
                return;
            }
            default:
            {
                Condition taken = PopCondition();
                int @base = _height - parameters.Length;
                SpillRange(0, @base, locals: true);
                MaterializeRange(@base, _height);
                LoadForJoin();
                Label elseLabel = _asm.CreateLabel();
                _asm.Jcc(taken.Negate(), elseLabel);
                ref Frame f = ref _controls.Push(FrameKind.If, _height, parameters, results).Data;
                f.Label = _asm.CreateLabel();
                f.ElseLabel = elseLabel;
                f.ElseDirty = _pinnedDirty;
                return;
            }
        }
    }

    /// <summary>Pops an i32 condition and sets the flags: returns the condition under which it is nonzero.</summary>
    private Condition PopCondition()
    {
        if (_condPending && _stack[_height - 1].Loc == Loc.Cond)
        {
            Pop();
            return _cond;
        }
        Val v = Pop();
        if (v.Loc == Loc.Const)
        {
            // A constant condition still goes through a test so both arms stay compiled and valid.
            Gpr c = AllocGpr();
            _asm.MovImm(c, (long)v.Bits);
            _asm.Test(OperandSize.S32, c, c);
            FreeGpr(c);
            return Condition.NotEqual;
        }
        if (InMemory(in v))
        {
            _asm.Cmp(OperandSize.S32, MemOf(in v, _height), 0);
            return Condition.NotEqual;
        }
        Gpr r = Gpr.FromIndex(v.Reg);
        _asm.Test(OperandSize.S32, r, r);
        FreeGpr(r);
        return Condition.NotEqual;
    }

    private void Else()
    {
        ForgetCachedLocals();
        ref Control c = ref _controls.Top;
        if (!_controls.Unreachable)
        {
            LoadForJoin();
            c.Data.Dirty |= _pinnedDirty;
            MoveToTarget(ref c);
            _asm.Jmp(c.Data.Label);
            c.Data.Reached = true;
        }
        _asm.Bind(c.Data.ElseLabel);
        AtLabel(c.Data.ElseDirty);
        _controls.EnterElse();
        Truncate(c.Height);
        foreach (ValType t in c.Params)
        {
            PushStack(t);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void End()
    {
        ForgetCachedLocals();
        ref Control c = ref _controls.Top;
        bool dead = _controls.Unreachable;
        bool join = c.Kind == FrameKind.If || (c.Kind is FrameKind.Block or FrameKind.Else && c.Data.Reached);
        if (join)
        {
            // The fall into the end label is one more edge.
            if (!dead)
            {
                LoadForJoin();
                c.Data.Dirty |= _pinnedDirty;
            }
            AtLabel(c.Kind == FrameKind.If ? c.Data.Dirty | c.Data.ElseDirty : c.Data.Dirty);
        }
        switch (c.Kind)
        {
            case FrameKind.Function:
                if (!dead)
                {
                    LoadAliasedParameters(ref c);
                    MoveToTarget(ref c);
                }
                _asm.Bind(c.Data.Label);
                _asm.Mov(OperandSize.S64, Gpr.Rsp, Gpr.Rbp);
                _asm.Pop(Gpr.Rbp);
                _epilogueStart = _asm.Position;
                _asm.Ret();
                _epilogueEnd = _asm.Position;
                Truncate(0);
                _controls.Pop(branchedTo: false);
                return;
            case FrameKind.Loop:
                // Only fallthrough reaches a loop's end: its results stay where they are.
                _controls.Pop(branchedTo: false);
                return;
            case FrameKind.If:
                // No else: the false path carries the parameters (same types as the results) in their slots.
                if (!dead)
                {
                    MoveToTarget(ref c);
                }
                _asm.Bind(c.Data.ElseLabel);
                _asm.Bind(c.Data.Label);
                FinishJoin(ref c);
                return;
            default:
                if (!c.Data.Reached)
                {
                    // Not a join: values stay in registers; the code after is reachable iff the end was.
                    _asm.Bind(c.Data.Label);
                    _controls.Pop(branchedTo: false);
                    return;
                }
                if (!dead)
                {
                    MoveToTarget(ref c);
                }
                _asm.Bind(c.Data.Label);
                FinishJoin(ref c);
                return;
        }
    }

    private void FinishJoin(ref Control c)
    {
        Truncate(c.Height);
        foreach (ValType t in c.Results)
        {
            PushStack(t);
        }
        _controls.Pop(branchedTo: true);
    }

    private Mem TargetMem(ref Control target, int i) => target.Kind == FrameKind.Function
        ? Mem.At(Gpr.Rbp, ArgsOffset + _resultOffsets[i])
        : SlotMem(target.Height + i);

    /// <summary>
    /// The function's result area is its parameter area: before results are written there, merge
    /// values that still read a parameter from that area are loaded into registers (a pinned parameter
    /// is read from its own register). Done before any conditional branch, so every path sees the same
    /// state. Moves only.
    /// </summary>
    private void LoadAliasedParameters(ref Control target)
    {
        if (target.Kind != FrameKind.Function)
        {
            return;
        }
        int n = target.Results.Length;
        for (int pos = _height - n; pos < _height; pos++)
        {
            ref Val v = ref _stack[pos];
            if (v.Loc == Loc.Local && !IsPinned(in v) && (int)v.Bits < _paramCount)
            {
                LoadIntoRegister(pos);
            }
        }
    }

    /// <summary>Moves the top merge values of a branch to <paramref name="target"/> into its slots. Moves only.</summary>
    private void MoveToTarget(ref Control target)
    {
        ValType[] types = target.BranchTypes;
        int n = types.Length;
        if (n > 0 && _condPending && _stack[_height - 1].Loc == Loc.Cond)
        {
            MaterializeCondition();
        }
        for (int i = 0; i < n; i++)
        {
            int pos = _height - n + i;
            StoreValue(TargetMem(ref target, i), in _stack[pos], pos, s_scratch);
        }
        target.Data.Reached = true;
    }

    private bool MergeInPlace(ref Control target)
    {
        ValType[] types = target.BranchTypes;
        int n = types.Length;
        if (target.Kind == FrameKind.Function && n > 0)
        {
            return false;
        }
        for (int i = 0; i < n; i++)
        {
            int pos = _height - n + i;
            if (_stack[pos].Loc != Loc.Stack || pos != target.Height + i)
            {
                return false;
            }
        }
        return true;
    }

    private void Br(uint depth)
    {
        ref Control target = ref _controls.Target(depth);
        if (target.Kind != FrameKind.Function)
        {
            LoadForJoin();
            target.Data.Dirty |= _pinnedDirty;
        }
        LoadAliasedParameters(ref target);
        MoveToTarget(ref target);
        _asm.Jmp(target.Data.Label);
        Truncate(_controls.Top.Height);
        LeaveReachableCode();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BrIf(uint depth)
    {
        ref Control target = ref _controls.Target(depth);
        Condition taken = PopCondition();
        if (target.Kind != FrameKind.Function)
        {
            // Moves only: the flags of the condition survive.
            LoadForJoin();
            target.Data.Dirty |= _pinnedDirty;
        }
        LoadAliasedParameters(ref target);
        if (MergeInPlace(ref target))
        {
            target.Data.Reached = true;
            _asm.Jcc(taken, target.Data.Label);
            return;
        }
        // The merge moves run only on the taken path: the fallthrough state stays as it is.
        Label skip = _asm.CreateLabel();
        _asm.Jcc(taken.Negate(), skip);
        MoveToTarget(ref target);
        _asm.Jmp(target.Data.Label);
        _asm.Bind(skip);
    }

    private void BrTable(in Instruction ins, ref InstructionReader reader)
    {
        int count = (int)ins.BrTableCount;
        if (_brTargets.Length < count + 1)
        {
            _brTargets = new uint[Math.Max(count + 1, _brTargets.Length * 2)];
            _brLabels = new Label[_brTargets.Length];
        }
        Span<uint> targets = _brTargets.AsSpan(0, count + 1);
        reader.ReadBrTableTargets(in ins, targets);
        Gpr index = PopGpr();
        LoadForJoin();
        uint defaultDepth = targets[count];
        // A br_table may return: load parameters the results read before any path diverges.
        foreach (uint depth in targets)
        {
            if (depth == _controls.Count - 1)
            {
                LoadAliasedParameters(ref _controls[0]);
                break;
            }
        }
        int arity = _controls.Target(defaultDepth).BranchTypes.Length;

        // With merge values each distinct target gets a stub that moves them; without, jump straight there.
        Span<Label> stubs = _brLabels.AsSpan(0, count + 1);
        if (_brByDepth.Length < _controls.Count)
        {
            _brByDepth = new Label[Math.Max(_controls.Count, _brByDepth.Length * 2)];
        }
        Span<Label> byDepth = arity > 0 ? _brByDepth.AsSpan(0, _controls.Count) : [];
        byDepth.Clear();
        for (int i = 0; i <= count; i++)
        {
            int depth = (int)targets[i];
            ref Control target = ref _controls.Target((uint)depth);
            target.Data.Dirty |= _pinnedDirty;
            if (arity == 0)
            {
                target.Data.Reached = true;
                stubs[i] = target.Data.Label;
            }
            else
            {
                if (!byDepth[depth].IsValid)
                {
                    byDepth[depth] = _asm.CreateLabel();
                }
                stubs[i] = byDepth[depth];
            }
        }
        if (count > 0)
        {
            _asm.Cmp(OperandSize.S32, index, count);
            _asm.Jcc(Condition.AboveOrEqual, stubs[count]);
            Mem table = _asm.JumpTable(stubs[..count]);
            _asm.Lea(OperandSize.S64, s_scratch, table);
            _asm.Jmp(Mem.At(s_scratch, index, 8));
        }
        else
        {
            _asm.Jmp(stubs[0]);
        }
        FreeGpr(index);
        if (arity > 0)
        {
            for (int depth = 0; depth < byDepth.Length; depth++)
            {
                if (byDepth[depth].IsValid)
                {
                    ref Control target = ref _controls.Target((uint)depth);
                    _asm.Bind(byDepth[depth]);
                    MoveToTarget(ref target);
                    _asm.Jmp(target.Data.Label);
                }
            }
        }
        Truncate(_controls.Top.Height);
        LeaveReachableCode();
    }

    /// <summary>select: cmov for integers, a short branch for floats; a pending compare is used directly.</summary>
    private void Select()
    {
        bool fused = _condPending && _stack[_height - 1].Loc == Loc.Cond;
        Val c = Pop();
        int cPos = _height;
        Condition cc = fused ? _cond : Condition.NotEqual;
        ValType type = _stack[_height - 1].Type;
        if (!IsXmm(type))
        {
            Val b = Pop();
            int bPos = _height;
            Gpr a = PopGpr();
            Gpr br = InRegister(in b) ? Gpr.FromIndex(b.Reg) : s_scratch;
            if (!InRegister(in b))
            {
                LoadGpr(br, in b, bPos);
            }
            if (!fused)
            {
                TestCondition(in c, cPos);
            }
            // Spec 4.4.4: select yields the first operand when the condition is nonzero.
            _asm.Cmovcc(cc.Negate(), SizeOf(type), a, br);
            Free(in b);
            PushReg(type, a.Index);
            return;
        }
        {
            Val b = Pop();
            int bPos = _height;
            Xmm a = PopXmm();
            Xmm bx = InRegister(in b) ? Xmm.FromIndex(b.Reg) : Xmm.Xmm0;
            if (!InRegister(in b))
            {
                LoadXmm(bx, in b, bPos);
            }
            if (!fused)
            {
                TestCondition(in c, cPos);
            }
            Label keep = _asm.CreateLabel();
            _asm.Jcc(cc, keep, JumpDistance.Short);
            _asm.Movaps(a, bx);
            _asm.Bind(keep);
            Free(in b);
            PushReg(type, a.Index);
        }
    }

    /// <summary>Sets the flags from an i32 condition value (not a pending compare) and releases it.</summary>
    private void TestCondition(in Val c, int position)
    {
        switch (c.Loc)
        {
            case Loc.Reg:
            case Loc.Local when IsPinned(in c):
                _asm.Test(OperandSize.S32, Gpr.FromIndex(c.Reg), Gpr.FromIndex(c.Reg));
                FreeGpr(Gpr.FromIndex(c.Reg));
                return;
            case Loc.Stack:
            case Loc.Local:
                _asm.Cmp(OperandSize.S32, MemOf(in c, position), 0);
                return;
            default:
                _asm.MovImm(Gpr.Rcx, (long)c.Bits);
                _asm.Test(OperandSize.S32, Gpr.Rcx, Gpr.Rcx);
                return;
        }
    }
}
